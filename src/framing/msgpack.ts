/**
 * Binary mode payload codec: one plain MessagePack value per frame (see length-prefix.ts).
 *
 * Uses @msgpack/msgpack (the MessagePack organisation's pure-JS implementation, no native or
 * optional dependencies). The bytes are standard MessagePack that any implementation (Python
 * `msgpack`, Rust `rmp-serde`, Go `vmihailenco/msgpack`...) decodes without extensions:
 * - objects are maps, arrays are arrays, strings are str, Buffers / Uint8Arrays are `bin`;
 *   `bin` decodes as a Buffer view of the frame payload (no copy): binary data is carried
 *   natively, never base64.
 * - a map key `__proto__` is refused (a parse error), so a peer cannot pollute prototypes.
 * - `undefined` follows JSON: an object property whose value is `undefined` is left out
 *   (`ignoreUndefined`), `undefined` in an array is nil.
 * - 64-bit integers from other languages decode as numbers (exact up to 2^53, like JSON.parse),
 *   never as BigInt that JSON.stringify would choke on.
 * - Dates use the standard timestamp extension (-1).
 * NaN and ±Infinity survive (unlike JSON).
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { frameError, type FrameError } from './frame-error.js';

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

export type MsgpackDecodeResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: FrameError };

/**
 * Encodes one value as MessagePack into a Buffer of its own, which may be kept or written later.
 * Throws `TypeError` for values MessagePack cannot carry: symbols, functions, BigInts outside the
 * 64-bit range, cyclic or too deeply nested structures.
 */
export function encodeMsgpack(value: unknown): Buffer {
  let bytes: Uint8Array;
  try {
    bytes = encoder.encode(value);
  } catch (err) {
    const why = err instanceof Error && /call stack|too deep/i.test(err.message)
      ? 'the value is cyclic or nested too deeply'
      : (err as Error).message;
    throw new TypeError(`cannot encode value as MessagePack: ${why}`, { cause: err });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes one frame payload holding exactly one MessagePack value. Never throws: garbage,
 * truncated data, trailing bytes and an empty payload are `{ ok: false, error: { kind: 'parse' } }`.
 */
export function decodeMsgpack(payload: Buffer): MsgpackDecodeResult {
  if (payload.length === 0) {
    return { ok: false, error: frameError('parse', 'empty binary frame: expected one MessagePack value', 0) };
  }
  try {
    return { ok: true, value: decoder.decode(payload) };
  } catch (err) {
    const why = err instanceof RangeError && /call stack/i.test(err.message) ? 'nested too deeply' : (err as Error).message;
    return { ok: false, error: frameError('parse', `binary frame is not valid MessagePack: ${why}`, payload.length) };
  }
}
