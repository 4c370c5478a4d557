/** LSP framing's pure codec (docs/protocol.md "LSP framing"): the header parser and the decoder. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LspDecoder } from '../../src/framing/lsp-decoder.js';
import { MAX_LSP_HEADER_BYTES, lspHeader, parseLspHeaders } from '../../src/framing/lsp-headers.js';
import type { FrameError } from '../../src/framing/frame-error.js';
import type { ReceiveBudget } from '../../src/framing/receive-budget.js';
import { byteChunks, cutAt, randomChunks } from './chunking.js';

const seed = 20261208;

function frame(value: unknown, contentType = false): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  const type = contentType ? 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n' : '';
  return Buffer.concat([Buffer.from(lspHeader(body.length).replace('\r\n', `\r\n${type}`)), body]);
}

function decodeAll(chunks: readonly Buffer[], options: { max?: number; budget?: ReceiveBudget } = {}): { out: unknown[]; errors: FrameError[]; decoder: LspDecoder } {
  const out: unknown[] = [];
  const errors: FrameError[] = [];
  const decoder = new LspDecoder({
    onMessage: (v) => out.push(v),
    onError: (e) => errors.push(e),
    ...(options.max === undefined ? {} : { maxMessageBytes: options.max }),
    ...(options.budget === undefined ? {} : { budget: options.budget }),
  });
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { out, errors, decoder };
}

/** Any spelling of a header name: each letter in either case. */
const anyCase = (name: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

describe('parseLspHeaders', () => {
  it('reads Content-Length in any case, with optional spaces, optional Content-Type and other headers in any order (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        anyCase('Content-Length'),
        anyCase('Content-Type'),
        fc.constantFrom('', ' ', '  ', '\t'),
        fc.constantFrom(undefined, 'application/vscode-jsonrpc; charset=utf-8', 'application/json', 'application/vscode-jsonrpc; charset=UTF8', 'x; charset="utf-8"'),
        fc.boolean(),
        (n, lengthName, typeName, space, type, typeFirst) => {
          const length = `${lengthName}:${space}${n}${space}`;
          const lines = type === undefined ? [length] : typeFirst ? [`${typeName}: ${type}`, length] : [length, `${typeName}: ${type}`];
          assert.deepEqual(parseLspHeaders([...lines, 'X-Other: anything at all'].join('\r\n')), { ok: true, contentLength: n });
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('never throws and refuses anything without exactly one valid Content-Length (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (text) => {
        const r = parseLspHeaders(text);
        if (r.ok) {
          assert.ok(Number.isSafeInteger(r.contentLength) && r.contentLength >= 0);
          assert.match(text, /(^|\r\n)content-length:[ \t]*\d+[ \t]*(\r\n|$)/i);
        } else {
          assert.match(r.reason, /^malformed LSP header: /);
        }
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('refuses each malformed header with a reason', () => {
    for (const [text, reason] of [
      ['Content-Type: application/json', /no Content-Length/],
      ['Content-Length: -1', /decimal byte count/],
      ['Content-Length: 1e3', /decimal byte count/],
      ['Content-Length: ', /decimal byte count/],
      ['Content-Length: 1234567890123456', /decimal byte count/],
      ['Content-Length: 5\r\nContent-Length: 6', /two different/],
      ['Content-Length 5', /Name: value/],
      [': 5', /Name: value/],
      ['Content Length: 5', /bad header name/],
      ['Content-Length: 5\nX: y', /end with \\r\\n/],
      ['Content-Length: 5\r\nContent-Type: text/plain; charset=latin1', /charset "latin1"/],
    ] as const) {
      const r = parseLspHeaders(text);
      assert.equal(r.ok, false, text);
      assert.match(!r.ok ? r.reason : '', reason, text);
    }
    assert.deepEqual(parseLspHeaders('Content-Length: 5\r\ncontent-length: 5'), { ok: true, contentLength: 5 }, 'the same value twice');
  });
});

describe('LspDecoder', () => {
  const values = [{ jsonrpc: '2.0', id: 1, method: 'echo', params: { s: 'héllo ✓ \u2028 \n' } }, [1, 2, 3], 'x', null, { a: { b: [] } }];
  const stream = Buffer.concat(values.map((v, i) => frame(v, i % 2 === 1)));

  it('decodes byte at a time, in one chunk, and cut anywhere (random chunks)', () => {
    assert.deepEqual(decodeAll(byteChunks(stream)).out, values);
    assert.deepEqual(decodeAll([stream]).out, values);
    for (let s = 1; s <= 50; s++) {
      const { out, errors, decoder } = decodeAll(randomChunks(stream, s, 1 + (s % 40)));
      assert.deepEqual(errors, []);
      assert.deepEqual(out, values, `seed ${s}`);
      assert.equal(decoder.bufferedBytes, 0);
    }
  });

  it('decode(encode(values)) equals the JSON-normalised values for any chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 20 }), (vs, cuts) => {
        const clean = vs.filter((v) => !JSON.stringify(v).includes('"__proto__"'));
        const { out, errors } = decodeAll(cutAt(Buffer.concat(clean.map((v) => frame(v))), cuts));
        assert.deepEqual(errors, []);
        assert.deepEqual(out, JSON.parse(JSON.stringify(clean)));
      }),
      { seed, numRuns: 300 },
    );
  });

  it('refuses an oversized Content-Length from the header, skips its body unbuffered, and goes on', () => {
    const big = Buffer.concat([Buffer.from('Content-Length: 1000000\r\n\r\n'), Buffer.alloc(1_000_000, 0x20)]);
    let held = 0;
    const budget: ReceiveBudget = { take: (n) => ((held += n), true), give: (n) => void (held -= n) };
    const chunks = [...randomChunks(Buffer.concat([frame('before'), big, frame('after')]), 7, 4096)];
    const errors: FrameError[] = [];
    const out: unknown[] = [];
    const decoder = new LspDecoder({ maxMessageBytes: 1000, budget, onMessage: (v) => out.push(v), onError: (e) => errors.push(e) });
    let maxBuffered = 0;
    for (const c of chunks) {
      decoder.push(c);
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    }
    assert.deepEqual(out, ['before', 'after']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.kind, 'too-large');
    assert.equal(errors[0]!.bytes, 1_000_000);
    assert.ok(maxBuffered < 2000, `held ${maxBuffered} bytes`);
    assert.equal(held, 0);
  });

  it('reports a body that is not JSON, not UTF-8, or holds a __proto__ key (with its id), and goes on', () => {
    const bad = (body: Buffer): Buffer => Buffer.concat([Buffer.from(lspHeader(body.length)), body]);
    const { out, errors } = decodeAll([
      bad(Buffer.from('{nope')),
      bad(Buffer.from([0x22, 0xff, 0x22])),
      bad(Buffer.from('{"jsonrpc":"2.0","id":7,"method":"m","params":{"__proto__":{"x":1}}}')),
      bad(Buffer.from('')),
      frame('ok'),
    ]);
    assert.deepEqual(out, ['ok']);
    assert.deepEqual(errors.map((e) => [e.kind, e.id]), [['parse', undefined], ['encoding', undefined], ['invalid', 7], ['parse', undefined]]);
  });

  it('skips blank lines between messages, also split from their header', () => {
    const data = Buffer.concat([frame(1), Buffer.from('\r\n\r\n'), frame(2), Buffer.from('\n')]);
    assert.deepEqual(decodeAll(byteChunks(data)).out, [1, 2]);
    assert.deepEqual(decodeAll([data]).errors, []);
  });

  it('a malformed header breaks the framing: one parse error, everything after it ignored', () => {
    const { out, errors, decoder } = decodeAll([frame(1), Buffer.from('Content-Lenght: 3\r\n\r\n[1]'), frame(2)]);
    assert.deepEqual(out, [1]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /malformed LSP header: no Content-Length/);
    assert.equal(decoder.broken, true);
  });

  it('a header section over MAX_LSP_HEADER_BYTES is refused once that many bytes arrived, byte at a time too', () => {
    const long = Buffer.from(`Content-Length: 2\r\nX: ${'y'.repeat(MAX_LSP_HEADER_BYTES)}\r\n\r\n{}`);
    for (const chunks of [[long], byteChunks(long)]) {
      const { errors, decoder } = decodeAll(chunks);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, new RegExp(`header section is over ${MAX_LSP_HEADER_BYTES} bytes`));
      assert.ok(decoder.bufferedBytes === 0);
    }
  });

  it('the peer ending inside a header or a body is a parse error; a clean end is none', () => {
    for (const cut of [5, 25, frame({ a: 1 }).length - 1]) {
      const { errors } = decodeAll([frame({ a: 1 }).subarray(0, cut)]);
      assert.deepEqual(errors.map((e) => e.message), ['the peer ended the stream inside a message'], `cut at ${cut}`);
    }
    assert.deepEqual(decodeAll([frame(1)]).errors, []);
  });

  it('a body the budget refuses is over-budget and skipped; the next message decodes', () => {
    const budget: ReceiveBudget = { take: () => false, give: () => undefined };
    const { out, errors } = decodeAll(byteChunks(Buffer.concat([frame('refused'), frame('x')])), { budget });
    assert.deepEqual(errors.map((e) => e.kind), ['over-budget', 'over-budget']);
    assert.deepEqual(out, []);
    const inOne = decodeAll([Buffer.concat([frame('one'), frame('chunk')])], { budget });
    assert.deepEqual(inOne.out, ['one', 'chunk'], 'bodies inside one chunk are never held');
  });

  it('never throws on arbitrary bytes after a valid first header (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const data = Buffer.concat([frame(1), Buffer.from(bytes)]);
        const { out } = decodeAll(cutAt(data, cuts), { max: 100 });
        assert.deepEqual(out[0], 1);
      }),
      { seed, numRuns: 500 },
    );
  });
});
