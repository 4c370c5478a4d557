import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSidewireError } from '../../src/errors.js';
import { decodeMsgpack, encodeMsgpack } from '../../src/framing/msgpack.js';
import { LengthPrefixDecoder, encodeFrame } from '../../src/framing/length-prefix.js';

/** Decodes and asserts success. */
function decodeOk(payload: Buffer): unknown {
  const result = decodeMsgpack(payload);
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.value;
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** JSON-normalised value (-0 → 0) without `__proto__` keys (refused by the decoder, see msgpack.ts). */
const jsonish = fc
  .jsonValue({ stringUnit: 'binary' })
  .filter((v) => !JSON.stringify(v).includes('"__proto__":'))
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const bytes = fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u));

describe('msgpack payload codec', () => {
  it('round-trips JSON-ish values with Buffers inside (property)', () => {
    const value = fc.record({
      json: jsonish,
      blob: bytes,
      mixed: fc.array(fc.oneof(jsonish, bytes), { maxLength: 8 }),
      nested: fc.dictionary(fc.string().filter((k) => k !== '__proto__'), fc.oneof(jsonish, bytes), { maxKeys: 5, noNullPrototype: true }),
    }, { noNullPrototype: true });
    fc.assert(
      fc.property(value, (v) => {
        assert.deepEqual(decodeOk(encodeMsgpack(v)), v);
      }),
      { seed: 777, numRuns: 300 },
    );
  });

  it('writes plain MessagePack (no msgpackr extensions) that other languages read', () => {
    assert.deepEqual(encodeMsgpack({ a: 1 }), hex('81 a1 61 01'));
    assert.deepEqual(encodeMsgpack([1, 'x', null, true]), hex('94 01 a1 78 c0 c3'));
    assert.deepEqual(encodeMsgpack(Buffer.from([1, 2])), hex('c4 02 01 02'));
    assert.deepEqual(encodeMsgpack(new Uint8Array([3])), hex('c4 01 03'));
    assert.deepEqual(encodeMsgpack(1.5), hex('cb 3ff8000000000000'));
  });

  it('follows JSON for undefined: omitted in objects, nil in arrays; -0 becomes 0', () => {
    assert.deepEqual(encodeMsgpack({ a: undefined, b: 1 }), hex('81 a1 62 01'));
    assert.deepEqual(encodeMsgpack([undefined]), hex('91 c0'));
    assert.ok(Object.is(decodeOk(encodeMsgpack(-0)), 0));
  });

  it('encodes objects with more than 65535 keys', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 70_000; i++) big[`k${i}`] = i;
    const decoded = decodeOk(encodeMsgpack(big)) as Record<string, number>;
    assert.equal(Object.keys(decoded).length, 70_000);
    assert.equal(decoded.k69999, 69999);
  });

  it('reads what a Python client sends (bin as Buffer, uint64 as number)', () => {
    // msgpack.packb({"id": 1, "data": b"\x01\x02", "big": 2**40}) in Python
    const value = decodeOk(hex('83 a2 69 64 01 a4 64 61 74 61 c4 02 01 02 a3 62 69 67 cf 00 00 01 00 00 00 00 00'));
    assert.deepEqual(value, { id: 1, data: Buffer.from([1, 2]), big: 2 ** 40 });
  });

  it('refuses a __proto__ key instead of letting it change a prototype', () => {
    const result = decodeMsgpack(hex('81 a9 5f5f70726f746f5f5f 81 a1 78 a1 79')); // {"__proto__": {"x": "y"}}
    assert.equal(result.ok, false);
    assert.equal(({} as { x?: unknown }).x, undefined);
  });

  it('decodes very deep nesting without throwing', () => {
    const deep = decodeMsgpack(Buffer.concat([Buffer.alloc(200_000, 0x91), hex('01')]));
    assert.equal(typeof deep.ok, 'boolean');
  });

  it('reports garbage as a parse error instead of throwing', () => {
    for (const bad of [hex(''), hex('92 01'), hex('01 02'), hex('c1'), hex('c4 05 01'), hex('dd ffffffff')]) {
      const result = decodeMsgpack(bad);
      assert.equal(result.ok, false, bad.toString('hex'));
      assert.ok(!result.ok && result.error.kind === 'parse' && /MessagePack|empty/.test(result.error.message));
    }
  });

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (u) => {
        const result = decodeMsgpack(Buffer.from(u));
        assert.equal(typeof result.ok, 'boolean');
      }),
      { seed: 99, numRuns: 1000 },
    );
  });

  it('throws ERR_ENCODE for values MessagePack cannot carry', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeMsgpack(cyclic), /cyclic or nested too deeply/);
    assert.throws(() => encodeMsgpack(cyclic), (err) => isSidewireError(err, 'ERR_ENCODE'));
    assert.throws(() => encodeMsgpack(Symbol('s')), (err) => isSidewireError(err, 'ERR_ENCODE'));
    assert.throws(() => encodeMsgpack(2n ** 70n), (err) => isSidewireError(err, 'ERR_ENCODE'));
    assert.deepEqual(decodeOk(encodeMsgpack({ after: 'errors' })), { after: 'errors' }); // encoder still usable
  });

  it('keeps earlier encodings intact while encoding more', () => {
    const first = encodeMsgpack({ n: 1, s: 'x'.repeat(100) });
    const copy = Buffer.from(first);
    for (let i = 0; i < 2000; i++) encodeMsgpack({ i, s: 'y'.repeat(i % 200) });
    assert.deepEqual(first, copy);
  });

  it('works end to end with length-prefixed frames', () => {
    const values = [{ method: 'x', params: { blob: Buffer.alloc(70_000, 5) } }, [1, 2], 'done'];
    const stream = Buffer.concat(values.map((v) => encodeFrame(encodeMsgpack(v))));
    const out: unknown[] = [];
    const decoder = new LengthPrefixDecoder({ onFrame: (p) => out.push(decodeOk(p)), onError: () => assert.fail('no error') });
    for (let i = 0; i < stream.length; i += 4096) decoder.push(stream.subarray(i, i + 4096));
    assert.deepEqual(out, values);
  });
});
