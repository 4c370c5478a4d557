import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonDecoder, encodeNdjson, type NdjsonDecoderOptions } from '../../src/framing/ndjson.js';
import type { FrameError } from '../../src/framing/frame-error.js';
import { isSidewireError } from '../../src/errors.js';
import { byteChunks, randomChunks } from './chunking.js';

type Event = { message: unknown } | { error: FrameError['kind'] };

/** A decoder that records messages and errors, in order, as one event list. */
function recorder(options: Partial<NdjsonDecoderOptions> = {}) {
  const events: Event[] = [];
  const errors: FrameError[] = [];
  const decoder = new NdjsonDecoder({
    onMessage: (message) => events.push({ message }),
    onError: (error) => {
      errors.push(error);
      events.push({ error: error.kind });
    },
    ...options,
  });
  const feed = (chunks: readonly Buffer[]) => {
    for (const c of chunks) decoder.push(c);
  };
  return { decoder, events, errors, feed };
}

const b = (s: string) => Buffer.from(s, 'utf8');

// A stream exercising most rules at once: multi-byte chars, U+2028 inside a string, \r\n,
// blank lines, an invalid line in the middle.
const MIXED = b(
  '{"price":"12 €","emoji":"😀🎉"}\n' +
    '\n   \n\t\r\n' +
    '{"sep":"a\u2028b\u2029c"}\r\n' +
    'not json\n' +
    '[1,2,{"deep":[true,null]}]\n' +
    '  {"lead":"ws"}  \n' +
    '"just a string"\n' +
    '42\n',
);
const MIXED_EVENTS: Event[] = [
  { message: { price: '12 €', emoji: '😀🎉' } },
  { message: { sep: 'a\u2028b\u2029c' } },
  { error: 'parse' },
  { message: [1, 2, { deep: [true, null] }] },
  { message: { lead: 'ws' } },
  { message: 'just a string' },
  { message: 42 },
];

describe('NdjsonDecoder', () => {
  it('decodes many messages in one chunk, in order', () => {
    const r = recorder();
    const lines = Array.from({ length: 500 }, (_, i) => encodeNdjson({ i })).join('');
    r.decoder.push(b(lines));
    assert.equal(r.events.length, 500);
    assert.deepEqual(r.events[499], { message: { i: 499 } });
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  it('decodes the mixed stream in one chunk', () => {
    const r = recorder();
    r.decoder.push(MIXED);
    assert.deepEqual(r.events, MIXED_EVENTS);
  });

  it('decodes the mixed stream fed one byte at a time', () => {
    const r = recorder();
    r.feed(byteChunks(MIXED));
    assert.deepEqual(r.events, MIXED_EVENTS);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  it('decodes the mixed stream under random (seeded) chunk sizes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = recorder();
      r.feed(randomChunks(MIXED, seed, 1 + (seed % 40)));
      assert.deepEqual(r.events, MIXED_EVENTS, `seed ${seed}`);
    }
  });

  it('reassembles a character split inside its UTF-8 bytes', () => {
    const line = b('{"s":"€😀"}\n'); // € = e2 82 ac, 😀 = f0 9f 98 80
    const euro = line.indexOf(0xe2);
    const emoji = line.indexOf(0xf0);
    for (const cut of [euro + 1, euro + 2, emoji + 1, emoji + 2, emoji + 3]) {
      const r = recorder();
      r.feed([line.subarray(0, cut), line.subarray(cut)]);
      assert.deepEqual(r.events, [{ message: { s: '€😀' } }], `cut at ${cut}`);
    }
  });

  it('treats only 0x0a as a line break: U+2028/U+2029 stay inside strings', () => {
    const r = recorder();
    r.decoder.push(b('{"a":"x\u2028y"}'));
    assert.equal(r.events.length, 0);
    assert.ok(r.decoder.bufferedBytes > 0);
    r.decoder.push(b('\n'));
    assert.deepEqual(r.events, [{ message: { a: 'x\u2028y' } }]);
  });

  it('accepts \\r\\n, including a \\r and \\n in different chunks', () => {
    const r = recorder();
    r.feed([b('{"a":1}\r'), b('\n{"b":2}\r\n')]);
    assert.deepEqual(r.events, [{ message: { a: 1 } }, { message: { b: 2 } }]);
  });

  it('ignores blank and whitespace-only lines without errors', () => {
    const r = recorder();
    r.feed([b('\n\n \t \r\n\r\n   '), b('\n{"ok":true}\n\n')]);
    r.decoder.end();
    assert.deepEqual(r.events, [{ message: { ok: true } }]);
  });

  it('reports invalid JSON lines and carries on', () => {
    const r = recorder();
    r.feed([b('{"a":1}\n{oops}\n'), b('{"b":'), b('2}\n[1,\n{"c":3}\n')]);
    assert.deepEqual(r.events, [
      { message: { a: 1 } },
      { error: 'parse' },
      { message: { b: 2 } },
      { error: 'parse' },
      { message: { c: 3 } },
    ]);
    assert.match(r.errors[0]!.message, /not valid JSON/);
    assert.equal(r.errors[0]!.bytes, 6);
  });

  it('reports a line of invalid UTF-8 as an encoding error and carries on', () => {
    const r = recorder();
    r.feed([Buffer.concat([b('{"a":"'), Buffer.from([0xff, 0xfe]), b('"}\n')]), b('{"ok":1}\n')]);
    assert.deepEqual(r.events, [{ error: 'encoding' }, { message: { ok: 1 } }]);
  });

  it('accepts a genuine U+FFFD character', () => {
    const r = recorder();
    r.decoder.push(b('{"r":"\uFFFD"}\n'));
    assert.deepEqual(r.events, [{ message: { r: '\uFFFD' } }]);
  });

  it('decodes a final unterminated line on end()', () => {
    const r = recorder();
    r.feed([b('{"a":1}\n{"last"'), b(':true}')]);
    assert.deepEqual(r.events, [{ message: { a: 1 } }]);
    r.decoder.end();
    assert.deepEqual(r.events, [{ message: { a: 1 } }, { message: { last: true } }]);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  it('reports an invalid unterminated last line on end(), and ignores a blank one', () => {
    const r = recorder();
    r.decoder.push(b('{"a":'));
    r.decoder.end();
    assert.deepEqual(r.events, [{ error: 'parse' }]);
    const r2 = recorder();
    r2.decoder.push(b('  \r'));
    r2.decoder.end();
    assert.deepEqual(r2.events, []);
  });

  describe('maxMessageBytes', () => {
    const limit = 10;
    const exact = '{"a":"12"}'; // 10 bytes

    it('accepts a line of exactly the limit, with \\n or \\r\\n, whatever the chunking', () => {
      const data = b(`${exact}\n${exact}\r\n${exact}`);
      for (const chunks of [[data], byteChunks(data), randomChunks(data, 7, 5)]) {
        const r = recorder({ maxMessageBytes: limit });
        r.feed(chunks);
        r.decoder.end();
        assert.deepEqual(r.events, [{ message: { a: '12' } }, { message: { a: '12' } }, { message: { a: '12' } }]);
      }
    });

    it('rejects a line one byte over the limit, once, and carries on', () => {
      const data = b('{"a":"123"}\n{"b":1}\n');
      const long = b('{"a":"1234567890123456789"}\n{"b":1}\n');
      const splits = [[data], byteChunks(data), randomChunks(data, 3, 4), [long], [long.subarray(0, 5), long.subarray(5)]];
      for (const chunks of splits) {
        const r = recorder({ maxMessageBytes: limit });
        r.feed(chunks);
        assert.deepEqual(r.events, [{ error: 'too-large' }, { message: { b: 1 } }]);
        assert.match(r.errors[0]!.message, /limit of 10 bytes/);
      }
    });

    it('reports as soon as the limit is crossed, before the line ends', () => {
      const r = recorder({ maxMessageBytes: limit });
      r.decoder.push(b('{"a":"123'));
      assert.equal(r.events.length, 0);
      r.decoder.push(b('6789'));
      assert.deepEqual(r.events, [{ error: 'too-large' }]);
      assert.equal(r.decoder.bufferedBytes, 0);
      r.decoder.push(b('still the same line'));
      r.decoder.push(b('"}\n{"x":1}\n'));
      assert.deepEqual(r.events, [{ error: 'too-large' }, { message: { x: 1 } }]);
    });

    it('streams a 100 MiB line through a 1 MiB limit in O(limit) memory', () => {
      const max = 1024 * 1024;
      const r = recorder({ maxMessageBytes: max });
      const filler = Buffer.alloc(64 * 1024, 0x61); // 'a'
      r.decoder.push(b('{"x":"'));
      let peak = 0;
      for (let i = 0; i < 1600; i++) {
        r.decoder.push(filler);
        peak = Math.max(peak, r.decoder.bufferedBytes);
      }
      r.decoder.push(b('"}\n{"after":1}\n'));
      assert.deepEqual(r.events, [{ error: 'too-large' }, { message: { after: 1 } }]);
      assert.ok(peak <= max + 1, `buffered up to ${peak} bytes`);
      assert.ok(r.errors[0]!.bytes! > max);
    });
  });

  describe('when a callback throws', () => {
    it('propagates the exception and keeps the unscanned bytes for the next push', () => {
      const seen: unknown[] = [];
      const decoder = new NdjsonDecoder({
        onMessage: (v) => {
          seen.push(v);
          if ((v as { boom?: boolean }).boom) throw new Error('handler failed');
        },
        onError: () => assert.fail('no decode error expected'),
      });
      assert.throws(() => decoder.push(b('{"a":1}\n{"boom":true}\n{"b":2}\n{"c":')), /handler failed/);
      assert.deepEqual(seen, [{ a: 1 }, { boom: true }]);
      assert.equal(decoder.bufferedBytes, b('{"b":2}\n{"c":').length);
      decoder.push(b('3}\n'));
      assert.deepEqual(seen, [{ a: 1 }, { boom: true }, { b: 2 }, { c: 3 }]);
      assert.equal(decoder.bufferedBytes, 0);
    });

    it('delivers leftover lines on end() after a throw', () => {
      const seen: unknown[] = [];
      let first = true;
      const decoder = new NdjsonDecoder({
        onMessage: (v) => {
          seen.push(v);
          if (first) {
            first = false;
            throw new Error('once');
          }
        },
        onError: () => assert.fail('no decode error expected'),
      });
      assert.throws(() => decoder.push(b('1\n2\n3')), /once/);
      decoder.end();
      assert.deepEqual(seen, [1, 2, 3]);
    });

    it('stays consistent when onError throws', () => {
      const seen: unknown[] = [];
      const decoder = new NdjsonDecoder({
        onMessage: (v) => seen.push(v),
        onError: (e) => {
          throw new Error(`bad: ${e.kind}`);
        },
      });
      assert.throws(() => decoder.push(b('nope\n{"a":1}\n')), /bad: parse/);
      decoder.push(Buffer.alloc(0));
      assert.deepEqual(seen, [{ a: 1 }]);
    });
  });

  it('rejects an unusable maxMessageBytes with ERR_INVALID_ARGUMENT', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32]) {
      assert.throws(
        () => new NdjsonDecoder({ maxMessageBytes: bad, onMessage: () => {}, onError: () => {} }),
        (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT') && err.fixes.length > 0,
      );
    }
  });
});

describe('encodeNdjson', () => {
  it('is JSON plus one newline, with newlines in strings escaped', () => {
    const line = encodeNdjson({ text: 'a\nb', sep: '\u2028' });
    assert.equal(line, '{"text":"a\\nb","sep":"\u2028"}\n');
    assert.equal(line.indexOf('\n'), line.length - 1);
  });

  it('round-trips through the decoder', () => {
    const r = recorder();
    const values = [{ a: [1, 'é'] }, 'x\u2029', null, -0, [], {}];
    r.decoder.push(b(values.map(encodeNdjson).join('')));
    assert.deepEqual(r.events, values.map((v) => ({ message: JSON.parse(JSON.stringify(v)) as unknown })));
  });

  it('throws ERR_ENCODE for undefined, functions, symbols, BigInt and cycles', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, () => 1, Symbol('s'), 10n, { n: 1n }, cyclic]) {
      assert.throws(() => encodeNdjson(bad), (err) => isSidewireError(err, 'ERR_ENCODE'));
    }
  });
});
