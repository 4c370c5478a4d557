/**
 * The hand-written MessagePack encoder and decoder (msgpack-encoder.ts, msgpack-decoder.ts) against
 * @msgpack/msgpack: the same bytes out, the same values in, and the library for everything else.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decoder, Encoder, ExtData } from '@msgpack/msgpack';
import { decodeMsgpack, encodeMsgpack } from '../../src/framing/msgpack.js';
import { NEEDS_LIBRARY, tryDecode } from '../../src/framing/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/framing/msgpack-encoder.js';

const lib = new Encoder({ ignoreUndefined: true });
const libDecoder = new Decoder();
const libBytes = (v: unknown): Buffer => Buffer.from(lib.encode(v));
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Well-formed strings (lone surrogates: see the test about them). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const text = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !LONE_SURROGATE.test(s));
const key = fc.oneof(text, fc.constantFrom('jsonrpc', 'id', 'method', 'params', 'result', 'error', 'code', 'message', 'data', 'd'));
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  fc.constantFrom(0, -0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1),
  fc.double(),
);
const binary = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
  fc.uint8Array({ maxLength: 40 }),
  fc.float32Array({ maxLength: 8 }),
  fc.integer({ min: 0, max: 2 }).map((n) => Buffer.alloc([255, 256, 65536][n]!, n + 1)),
);
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant(undefined), binary, fc.date({ noInvalidDate: true }));
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { maxLength: 20 }),
    fc.dictionary(key.filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 20, noNullPrototype: false }),
  ),
})).node;

/** Deep equality where a string may differ only because invalid UTF-8 became U+FFFD on one side. */
function sameModuloReplacement(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b || a.includes('\ufffd');
  if (Buffer.isBuffer(a) || a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameModuloReplacement(x, b[i]));
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameModuloReplacement((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}

describe('hand-written MessagePack codec', () => {
  it('encodes exactly the bytes @msgpack/msgpack writes (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(encodeMsgpack(v), libBytes(v));
      }),
      { seed: 4242, numRuns: 400 },
    );
  });

  it('decodes what @msgpack/msgpack decodes, to the same value (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = libBytes(v);
        const expected = libDecoder.decode(bytes);
        const fast = tryDecode(bytes, 0, bytes.length);
        if (fast === NEEDS_LIBRARY) {
          assert.ok(bytes.includes(0xd6) || bytes.includes(0xd7) || bytes.includes(0xc7), 'only extensions (Dates) need the library here');
        } else {
          assert.deepEqual(fast, expected);
        }
        const viaApi = decodeMsgpack(bytes);
        assert.ok(viaApi.ok);
        assert.deepEqual(viaApi.value, expected);
      }),
      { seed: 4243, numRuns: 400 },
    );
  });

  it('never accepts bytes the library refuses, and agrees on what both accept (property)', () => {
    const chunks = fc.array(fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.constantFrom(hex('83 a7 6a736f6e727063 a3 322e30'), hex('81 a1 61'), hex('93'), hex('c4 03'))), { maxLength: 6 });
    fc.assert(
      fc.property(chunks, (parts) => {
        const bytes = Buffer.concat(parts);
        const fast = bytes.length === 0 ? NEEDS_LIBRARY : tryDecode(bytes, 0, bytes.length);
        if (fast === NEEDS_LIBRARY) return;
        let expected: unknown;
        assert.doesNotThrow(() => (expected = libDecoder.decode(bytes)), `library refuses ${bytes.toString('hex')}`);
        assert.ok(sameModuloReplacement(fast, expected), `different values for ${bytes.toString('hex')}`);
      }),
      { seed: 4244, numRuns: 3000 },
    );
  });

  it('decodes a frame in place inside a bigger Buffer; bin values are views of it', () => {
    const payload = libBytes({ jsonrpc: '2.0', id: 7, result: { d: Buffer.from([1, 2, 3]) } });
    const big = Buffer.concat([Buffer.from('junk'), payload, Buffer.from('more')]);
    const v = tryDecode(big, 4, 4 + payload.length) as { result: { d: Buffer } };
    assert.deepEqual(v, { jsonrpc: '2.0', id: 7, result: { d: Buffer.from([1, 2, 3]) } });
    assert.ok(Buffer.isBuffer(v.result.d));
    assert.equal(v.result.d.buffer, big.buffer, 'no copy');
    assert.equal(tryDecode(big, 4, 5 + payload.length), NEEDS_LIBRARY, 'trailing byte');
    assert.equal(tryDecode(big, 4, 3 + payload.length), NEEDS_LIBRARY, 'truncated');
  });

  it('leaves __proto__ keys, non-string keys, extensions and deep nesting to the library', () => {
    for (const bytes of [
      hex('81 a9 5f5f70726f746f5f5f 01'), // {"__proto__": 1}
      hex('83 a7 6a736f6e727063 a3 322e30 a2 6964 01 a9 5f5f70726f746f5f5f 01'), // an envelope-sized map with __proto__
      hex('81 01 02'), // {1: 2}
      hex('d6 ff 00000001'), // timestamp
      Buffer.concat([Buffer.alloc(100, 0x91), hex('01')]),
    ]) {
      assert.equal(tryDecode(bytes, 0, bytes.length), NEEDS_LIBRARY, bytes.toString('hex'));
    }
    assert.equal(decodeMsgpack(hex('81 a9 5f5f70726f746f5f5f 01')).ok, false);
    // Refused with the request's id (docs/protocol.md "Keys and values"), not decoded as { "1": 2 }.
    assert.deepEqual(decodeMsgpack(hex('81 01 02')), {
      ok: false,
      error: { kind: 'invalid', message: 'a map key must be a string, got a number (1)', bytes: 3, id: null },
    });
  });

  it('writeCall writes exactly the bytes of the request / notification object (property)', () => {
    const enc = new MsgpackEncoder();
    const id = fc.option(fc.oneof(fc.nat(), fc.integer(), fc.constantFrom(0, 127, 128, 65536, 2 ** 32, 2 ** 53 - 1)), { nil: undefined });
    const params = value.filter((v) => v !== undefined);
    fc.assert(
      fc.property(id, text, params, (i, method, p) => {
        enc.begin(Buffer.alloc(16), 0);
        enc.writeCall(i, method, p);
        const bytes = enc.buf.subarray(0, enc.pos);
        const message = i === undefined ? { jsonrpc: '2.0', method, params: p } : { jsonrpc: '2.0', id: i, method, params: p };
        assert.deepEqual(bytes, libBytes(message));
      }),
      { seed: 4243, numRuns: 300 },
    );
  });

  it('decodes the four envelope shapes (recognised from their key bytes) like the library (property)', () => {
    const v = value.filter((x) => x !== undefined);
    const envelope = fc.oneof(
      fc.record({ jsonrpc: fc.constant('2.0'), method: v, params: v }),
      fc.record({ jsonrpc: fc.constant('2.0'), id: v, method: v, params: v }),
      fc.record({ jsonrpc: fc.constant('2.0'), id: v, result: v }),
      fc.record({ jsonrpc: fc.constant('2.0'), id: v, error: v }),
      fc.record({ jsonrpc: fc.constantFrom('2.0', '1.0', 2), id: v, method: v }),
    );
    fc.assert(
      fc.property(envelope, (m) => {
        const bytes = libBytes(m);
        const decoded = tryDecode(bytes, 0, bytes.length);
        if (decoded === NEEDS_LIBRARY) return; // e.g. a Date inside: the library decodes it
        assert.ok(sameModuloReplacement(decoded, libDecoder.decode(bytes)));
        assert.deepEqual(Object.keys(decoded as object), Object.keys(m), 'key order kept');
      }),
      { seed: 4244, numRuns: 300 },
    );
  });

  it('builds the usual envelopes, and maps in other key orders, with the right keys', () => {
    const shapes = [
      { jsonrpc: '2.0', id: 1, method: 'm', params: [1] },
      { jsonrpc: '2.0', id: 1, result: null },
      { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } },
      { jsonrpc: '2.0', method: 'n', params: {} },
      { jsonrpc: '2.0', id: 'a', method: 'm' },
      { id: 1, jsonrpc: '2.0', result: 2 },
      { method: 'm', jsonrpc: '2.0', params: 1, id: 2 },
      { a: 1, b: 2, c: 3 },
      { a: 1, a2: 2, a3: 3, a4: 4 },
    ];
    for (const m of shapes) {
      const bytes = libBytes(m);
      const v = tryDecode(bytes, 0, bytes.length);
      assert.deepEqual(v, m);
      assert.deepEqual(Object.keys(v as object), Object.keys(m), 'key order kept');
    }
  });

  it('string caches stay correct with many distinct and colliding short strings', () => {
    const words = Array.from({ length: 3000 }, (_, i) => (i * 7919).toString(36).slice(0, 1 + (i % 16)));
    for (let round = 0; round < 3; round++) {
      const record: Record<string, string> = {};
      for (let i = 0; i < words.length; i += 1 + round) record[`${words[i]}`] = words[(i * 31) % words.length]!;
      const bytes = libBytes({ record, list: words });
      assert.deepEqual(tryDecode(bytes, 0, bytes.length), { record, list: words });
    }
    const unicode = ['é', 'ab', 'aé', '日本', '2.0', 'x'.repeat(16), 'é'.repeat(8)];
    const bytes = libBytes(unicode);
    assert.deepEqual(tryDecode(bytes, 0, bytes.length), unicode);
  });

  it('string headers: the smallest that fits, for ASCII and multi-byte strings near the limits', () => {
    for (const n of [0, 31, 32, 48, 49, 85, 86, 255, 256, 4096, 4097, 21845, 21846, 65535, 65536]) {
      for (const s of ['a'.repeat(n), 'é'.repeat(n >> 1) + 'a'.repeat(n & 1), '日'.repeat(Math.floor(n / 3))]) {
        assert.deepEqual(encodeMsgpack(s), libBytes(s), `${s.length} units`);
        assert.deepEqual(encodeMsgpack({ k: s }), libBytes({ k: s }));
      }
    }
  });

  it('lone surrogates become U+FFFD (standard UTF-8), as in long strings before', () => {
    const decoded = decodeMsgpack(encodeMsgpack('a\ud800b'));
    assert.deepEqual(decoded, { ok: true, value: 'a\ufffdb' });
  });

  it('maps of 16 entries or more, with undefined values, use the same header as the library', () => {
    for (const [n, holes] of [[15, 0], [16, 0], [17, 1], [17, 2], [20, 5], [70_000, 3]] as const) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[`k${i}`] = i < holes ? undefined : i;
      assert.deepEqual(encodeMsgpack(o), libBytes(o), `${n} keys, ${holes} undefined`);
    }
  });

  it('objects that are not plain: class instances, null prototypes, ExtData, Dates, typed arrays', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get len(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
    const values = [new Point(1, 2), nullProto, new ExtData(5, Uint8Array.from([1, 2])), new Date(1e12), new Float64Array([1.5]), new DataView(new ArrayBuffer(3)), new Map([[1, 2]])];
    for (const v of values) assert.deepEqual(encodeMsgpack(v), libBytes(v));
    class WithProtoData {}
    (WithProtoData.prototype as unknown as Record<string, unknown>)['inherited'] = 1;
    assert.deepEqual(encodeMsgpack(Object.assign(new WithProtoData(), { own: 2 })), hex('81 a3 6f776e 02'), 'inherited enumerable properties are not sent');
  });

  it('grows into a new Buffer keeping what is before the value, with holes for large binary values', () => {
    const enc = new MsgpackEncoder();
    enc.zeroCopyMinBytes = 1000;
    enc.minGrowBytes = 16;
    const start = Buffer.from('prefix--');
    const big = Buffer.alloc(1000, 9);
    const deep = { a: { b: { c: { d: { e: { f: big } } } } } };
    const m: Record<string, unknown> = { s: 'x'.repeat(100), deep, list: [Buffer.alloc(1500, 8), 'tail'] };
    for (let i = 0; i < 20; i++) m[`k${i}`] = i === 18 ? Buffer.alloc(1001, 7) : i; // a hole after the 16th entry: the map restarts
    enc.begin(start, start.length);
    enc.write(m);
    assert.notEqual(enc.buf, start, 'a bigger Buffer');
    assert.equal(enc.base, 0);
    assert.equal(start.toString(), 'prefix--', 'the old Buffer is untouched');
    assert.equal(enc.holeValue.length, 3);
    assert.equal(enc.holeValue[0], big, 'not copied');
    const pieces: Buffer[] = [];
    let from = enc.base;
    enc.holeAt.forEach((at, i) => {
      pieces.push(enc.buf.subarray(from, at), enc.holeValue[i]!);
      from = at;
    });
    pieces.push(enc.buf.subarray(from, enc.pos));
    assert.deepEqual(Buffer.concat(pieces), libBytes(m));
    assert.equal(enc.holeBytes, 1000 + 1500 + 1001);
  });

  it('throws what the library throws for values MessagePack cannot carry, and stays usable', () => {
    const enc = new MsgpackEncoder();
    for (const bad of [1n, Symbol('s'), () => 1, { f: () => 1 }]) {
      enc.begin(Buffer.alloc(16), 0);
      assert.throws(() => enc.write(bad), Error);
    }
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 150; i++) at = (at[0] = []) as unknown[];
    assert.throws(() => encodeMsgpack(deep), /nested too deeply/);
    assert.deepEqual(encodeMsgpack({ ok: 1 }), libBytes({ ok: 1 }));
  });

  it('refuses leaves past the depth limit as the library does (map values take a shortcut to their writers)', () => {
    /** The hex of what `encode` returns, or the message it throws. */
    const outcome = (encode: () => Uint8Array): string => {
      try {
        return Buffer.from(encode()).toString('hex');
      } catch (err) {
        return `throws: ${(err as Error).message}`;
      }
    };
    const enc = new MsgpackEncoder();
    for (const leafValue of ['s', 7, 1.5, Buffer.from([1, 2]), new Uint8Array([3]), true, null]) {
      for (const depth of [98, 99, 100, 101]) {
        let nested: Record<string, unknown> = { leaf: leafValue };
        for (let i = 1; i < depth; i++) nested = { m: nested };
        const ours = outcome(() => {
          enc.begin(Buffer.alloc(16), 0);
          enc.write(nested);
          return enc.buf.subarray(enc.base, enc.pos);
        });
        assert.equal(ours, outcome(() => lib.encode(nested)), `leaf ${String(leafValue)} in maps nested ${depth} deep`);
      }
    }
  });
});
