/**
 * encodeCallNdjson (src/framing/ndjson-call.ts) writes the same bytes as stringifying the
 * request or notification object, for any params, and fails the same way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeNdjson } from '../../src/framing/ndjson.js';
import { encodeCallNdjson } from '../../src/framing/ndjson-call.js';
import { notificationMessage, requestMessage } from '../../src/protocol/message.js';
import { isSidewireError } from '../../src/errors.js';

const expected = (id: number | undefined, method: string, params: unknown): string =>
  encodeNdjson(id === undefined ? notificationMessage(method, params) : requestMessage(id, method, params));

describe('encodeCallNdjson', () => {
  it('property: the same line as encodeNdjson of the message object, for any method, id and JSON params', () => {
    fc.assert(
      fc.property(fc.option(fc.nat(), { nil: undefined }), fc.string({ unit: 'binary' }), fc.option(fc.jsonValue(), { nil: undefined }), (id, method, params) => {
        assert.equal(encodeCallNdjson(id, method, params), expected(id, method, params));
      }),
      { numRuns: 500 },
    );
  });

  it('methods alternate (the cached quoted name follows the method)', () => {
    for (const method of ['a', 'b', 'a', 'line\nbreak', '\ud800', 'a']) {
      assert.equal(encodeCallNdjson(1, method, [1]), expected(1, method, [1]));
    }
  });

  it('params JSON has no value for (a function, a symbol, a toJSON returning undefined) are left out, as JSON.stringify leaves the property out', () => {
    for (const params of [() => 1, Symbol('s'), { toJSON: () => undefined }]) {
      assert.equal(encodeCallNdjson(undefined, 'm', params), '{"jsonrpc":"2.0","method":"m"}\n');
      assert.equal(encodeCallNdjson(3, 'm', params), expected(3, 'm', params));
    }
  });

  it('params JSON cannot hold (a BigInt, a cycle, a throwing toJSON) throw ERR_ENCODE', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    for (const params of [{ n: 1n }, cycle, { toJSON: () => { throw new Error('no'); } }]) {
      assert.throws(() => encodeCallNdjson(1, 'm', params), (err: unknown) => isSidewireError(err, 'ERR_ENCODE'));
    }
  });
});
