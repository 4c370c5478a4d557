import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NdjsonDecoder, encodeNdjson } from '../../src/framing/ndjson.js';
import type { FrameError } from '../../src/framing/frame-error.js';
import { cutAt } from './chunking.js';

/** Encodes `values` as one NDJSON stream, feeds it cut at `cuts`, returns what was decoded. */
function roundTrip(values: readonly unknown[], cuts: readonly number[], crlf: boolean): { out: unknown[]; errors: FrameError[] } {
  const out: unknown[] = [];
  const errors: FrameError[] = [];
  const decoder = new NdjsonDecoder({ onMessage: (v) => out.push(v), onError: (e) => errors.push(e) });
  const text = values.map((v) => (crlf ? encodeNdjson(v).replace(/\n$/, '\r\n') : encodeNdjson(v))).join('');
  for (const chunk of cutAt(Buffer.from(text, 'utf8'), cuts)) decoder.push(chunk);
  decoder.end();
  assert.equal(decoder.bufferedBytes, 0);
  return { out, errors };
}

const seed = 20240611;

describe('NdjsonDecoder properties', () => {
  it('decode(encode(values)) equals the JSON-normalised values for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: 'binary' })), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (values, cuts, crlf) => {
          const { out, errors } = roundTrip(values, cuts, crlf);
          assert.deepEqual(errors, []);
          assert.deepEqual(out, JSON.parse(JSON.stringify(values)));
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes, and reports only parse/encoding errors for short lines', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const kinds: string[] = [];
        const decoder = new NdjsonDecoder({ onMessage: () => {}, onError: (e) => kinds.push(e.kind) });
        for (const chunk of cutAt(Buffer.from(bytes), cuts)) decoder.push(chunk);
        decoder.end();
        assert.ok(kinds.every((k) => k === 'parse' || k === 'encoding'), kinds.join());
      }),
      { seed, numRuns: 300 },
    );
  });
});
