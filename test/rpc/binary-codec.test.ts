/** The binary-mode frame encoder: contiguous frames, and zero-copy parts for large binary values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LengthPrefixDecoder } from '../../src/framing/length-prefix.js';
import { isSidewireError } from '../../src/errors.js';
import { decodeMsgpack } from '../../src/framing/msgpack.js';
import { encodeMessageFrame, encodeMessageParts, ZERO_COPY_MIN_BYTES } from '../../src/stream/binary/binary-codec.js';

const BIG = ZERO_COPY_MIN_BYTES;

/** Decodes exactly one frame from `bytes`. */
function decodeFrame(bytes: Buffer): unknown {
  const frames: Buffer[] = [];
  const decoder = new LengthPrefixDecoder({ maxFrameBytes: 0xffff_ffff, onFrame: (p) => frames.push(Buffer.from(p)), onError: (e) => assert.fail(e.message) });
  decoder.push(bytes);
  assert.equal(frames.length, 1);
  assert.equal(decoder.bufferedBytes, 0);
  const r = decodeMsgpack(frames[0]!);
  assert.ok(r.ok);
  return r.value;
}

const joined = (parts: Buffer | Buffer[]): Buffer => (Array.isArray(parts) ? Buffer.concat(parts) : parts);

describe('binary frame encoding', () => {
  it('a frame is the u32 big-endian length then the MessagePack payload', () => {
    const f = encodeMessageFrame({ jsonrpc: '2.0', id: 1, method: '$/ping' });
    assert.equal(f.toString('hex'), '0000001f83a76a736f6e727063a3322e30a2696401a66d6574686f64a6242f70696e67');
  });

  it('small messages come back as one Buffer, identical to encodeMessageFrame', () => {
    const m = { jsonrpc: '2.0', id: 7, result: { d: Buffer.alloc(BIG - 1, 1) } };
    const parts = encodeMessageParts(m);
    assert.ok(Buffer.isBuffer(parts));
    assert.deepEqual(parts, encodeMessageFrame(m));
  });

  it('large binary values are separate parts that share the caller\'s memory', () => {
    const big = Buffer.alloc(BIG, 0xaa);
    const u8 = new Uint8Array(BIG + 3).fill(0xbb);
    const m = { jsonrpc: '2.0', method: 'blob', params: { a: big, list: [1, u8, 'x'], small: Buffer.from([1]) } };
    const parts = encodeMessageParts(m);
    assert.ok(Array.isArray(parts));
    assert.ok(parts.includes(big), 'the Buffer itself is a part');
    assert.ok(parts.some((p) => p.buffer === u8.buffer && p.byteOffset === u8.byteOffset && p.length === u8.length), 'a view of the Uint8Array is a part');
    assert.deepEqual(joined(parts), encodeMessageFrame(m), 'same bytes as the contiguous encoding');
    assert.equal(m.params.a, big, 'the message was not modified');
    assert.equal(m.params.list[1], u8);
  });

  it('frozen messages and deeply nested large values: parts and one frame hold the same bytes', () => {
    const deep = { a: { b: { c: { d: { e: Buffer.alloc(BIG, 3) } } } } };
    const m = Object.freeze({ jsonrpc: '2.0', id: 'f', result: Object.freeze({ x: Buffer.alloc(BIG, 2), deep }) });
    assert.deepEqual(joined(encodeMessageParts(m)), encodeMessageFrame(m));
    assert.deepEqual(decodeFrame(joined(encodeMessageParts(m))), m);
  });

  it('parts and contiguous frames decode to the same value (property)', () => {
    const leaf = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.integer({ min: 0, max: 3 }).map((n) => Buffer.alloc(n === 0 ? 10 : BIG + n * 1000, n)),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4, noNullPrototype: true })),
    })).node;
    fc.assert(
      fc.property(tree, (params) => {
        const m = { jsonrpc: '2.0', method: 'm', params };
        const contiguous = encodeMessageFrame(m);
        assert.deepEqual(joined(encodeMessageParts(m)), contiguous);
      }),
      { seed: 909, numRuns: 150 },
    );
  });

  it('throws ERR_ENCODE for values MessagePack cannot carry', () => {
    assert.throws(() => encodeMessageParts({ x: 1n }), (err) => isSidewireError(err, 'ERR_ENCODE'));
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(() => encodeMessageFrame(cyclic), /cyclic or nested too deeply/);
  });
});
