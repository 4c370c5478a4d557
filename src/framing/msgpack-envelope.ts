/**
 * The JSON-RPC envelope's keys (and `"jsonrpc": "2.0"`) as MessagePack bytes: what the
 * hand-written encoder writes from constants and what the decoder recognises without reading the
 * keys as strings (msgpack-encoder.ts, msgpack-decoder.ts). Each is a fixstr (or fixstr key and
 * fixstr value), as every MessagePack encoder writes them.
 */

/**
 * A few constant bytes, also as big-endian 32-bit words (signed: small integers for V8): writing
 * or comparing them a word at a time is ~3× faster than a byte loop over a Uint8Array, which was
 * the largest single cost of encoding and decoding a small message (benchmarks/impl/sidewire-binary/codec-micro.ts).
 */
export class ConstantBytes {
  /** The bytes themselves. */
  readonly bytes: Uint8Array;
  /** The first `4 * words.length` bytes, as words. */
  readonly words: Int32Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.words = new Int32Array(bytes.length >> 2);
    for (let i = 0; i < this.words.length; i++) {
      this.words[i] = (bytes[4 * i]! << 24) | (bytes[4 * i + 1]! << 16) | (bytes[4 * i + 2]! << 8) | bytes[4 * i + 3]!;
    }
  }

  /** These bytes, then `more`'s. */
  concat(more: ConstantBytes): ConstantBytes {
    return new ConstantBytes(Uint8Array.from([...this.bytes, ...more.bytes]));
  }
}

const bytes = (hex: string): ConstantBytes => new ConstantBytes(Uint8Array.from(Buffer.from(hex, 'hex')));

/** The map entry `"jsonrpc": "2.0"`. */
export const JSONRPC_2_0 = bytes('a76a736f6e727063a3322e30');
/** The key `"id"`. */
export const KEY_ID = bytes('a26964');
/** The key `"method"`. */
export const KEY_METHOD = bytes('a66d6574686f64');
/** The key `"params"`. */
export const KEY_PARAMS = bytes('a6706172616d73');
/** The key `"result"`. */
export const KEY_RESULT = bytes('a6726573756c74');
/** The key `"error"`. */
export const KEY_ERROR = bytes('a56572726f72');
