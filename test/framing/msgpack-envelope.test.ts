/**
 * The envelope constants (msgpack-envelope.ts) as the encoder writes and the decoder compares them,
 * a 32-bit word at a time: words and bytes must agree for every length, words with the top bit set
 * (0xa7, 0xa6 ... are negative as int32) included.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConstantBytes, JSONRPC_2_0, KEY_ERROR, KEY_ID, KEY_METHOD, KEY_PARAMS, KEY_RESULT } from '../../src/framing/msgpack-envelope.js';
import { tryDecode } from '../../src/framing/msgpack-decoder.js';
import { MsgpackEncoder } from '../../src/framing/msgpack-encoder.js';

/** The bytes that `c.words` and the tail stand for. */
function spelled(c: ConstantBytes): number[] {
  const out: number[] = [];
  for (const w of c.words) out.push((w >>> 24) & 0xff, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff);
  for (let i = 4 * c.words.length; i < c.bytes.length; i++) out.push(c.bytes[i]!);
  return out;
}

describe('ConstantBytes', () => {
  it('words and tail spell the bytes, for any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (u) => {
        const c = new ConstantBytes(u);
        assert.equal(c.bytes.length, u.length);
        assert.deepEqual(spelled(c), [...u]);
      }),
    );
  });

  it('the envelope constants are what their hex says', () => {
    for (const c of [JSONRPC_2_0, KEY_ID, KEY_METHOD, KEY_PARAMS, KEY_RESULT, KEY_ERROR]) assert.deepEqual(spelled(c), [...c.bytes]);
    assert.equal(Buffer.from(JSONRPC_2_0.bytes).toString('latin1'), '\xa7jsonrpc\xa32.0');
    assert.equal(JSONRPC_2_0.words[0]! < 0, true); // 0xa7... : the sign bit case is exercised
  });

  it('concat joins the bytes', () => {
    assert.deepEqual([...KEY_ID.concat(KEY_METHOD).bytes], [...KEY_ID.bytes, ...KEY_METHOD.bytes]);
  });

  it('a notification written from the constants decodes back; one byte off in any constant is not taken for the envelope', () => {
    const enc = new MsgpackEncoder();
    const buf = Buffer.alloc(256);
    enc.begin(buf, 0);
    enc.writeCall(7, 'echo', { d: 1 });
    const frame = buf.subarray(0, enc.pos);
    assert.deepEqual(tryDecode(frame, 0, frame.length), { jsonrpc: '2.0', id: 7, method: 'echo', params: { d: 1 } });
    // 'jsonrpc' spelled 'jsonrpd': a map with another key, decoded the general way (same object otherwise).
    const other = Buffer.from(frame);
    other[1 + 7] = 'd'.charCodeAt(0);
    assert.deepEqual(tryDecode(other, 0, other.length), { jsonrpd: '2.0', id: 7, method: 'echo', params: { d: 1 } });
  });
});
