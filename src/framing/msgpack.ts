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
 * - strings are standard UTF-8 both ways: lone UTF-16 surrogates are sent as U+FFFD, and invalid
 *   UTF-8 is read with U+FFFD (as Buffer#toString does).
 * NaN and ±Infinity survive (unlike JSON).
 *
 * The common types are encoded and decoded by hand-written code (msgpack-encoder.ts,
 * msgpack-decoder.ts) that produces the same bytes and values as @msgpack/msgpack, several times
 * faster for JSON-RPC-shaped messages; @msgpack/msgpack handles the rest (Dates, extensions,
 * malformed input and its error messages), after `checkBounds` (msgpack-bounds.ts) made sure no
 * declared length can make it allocate more than the frame holds, and that values nest at most
 * `MAX_DECODE_DEPTH` (100) levels deep: a frame breaking either rule is a parse error.
 */
import { Decoder } from '@msgpack/msgpack';
import { SidewireError, encodeFailed } from '../errors.js';
import { frameError, type FrameError } from './frame-error.js';
import { checkBounds } from './msgpack-bounds.js';
import { NEEDS_LIBRARY, tryDecode } from './msgpack-decoder.js';
import { MsgpackEncoder } from './msgpack-encoder.js';

const encoder = new MsgpackEncoder();
/**
 * Default limits (2^32 - 1): checkBounds has bounded every length by the frame before the library
 * sees it, which per-frame maxArrayLength & co could not do alone (nested arrays multiply).
 */
const decoder = new Decoder();
/** The encoder's reusable scratch Buffer (grown as needed, dropped when it grew big). */
const SCRATCH_BYTES = 2048;
let scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);
/** True while `encoder` is in use (a getter inside a value may encode another value). */
let busy = false;

export type MsgpackDecodeResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: FrameError };

/**
 * Encodes one value as MessagePack into a Buffer of its own, which may be kept or written later.
 * Throws a SidewireError `ERR_ENCODE` (docs/errors.md) for values MessagePack cannot carry:
 * symbols, functions, BigInts outside the 64-bit range, cyclic or too deeply nested structures.
 */
export function encodeMsgpack(value: unknown): Buffer {
  if (busy) return encodeWith(new MsgpackEncoder(), Buffer.allocUnsafe(SCRATCH_BYTES), value);
  busy = true;
  try {
    const out = encodeWith(encoder, scratch, value);
    scratch = encoder.buf.length > 1024 * 1024 ? Buffer.allocUnsafe(SCRATCH_BYTES) : encoder.buf;
    return out;
  } finally {
    busy = false;
  }
}

function encodeWith(enc: MsgpackEncoder, buf: Buffer, value: unknown): Buffer {
  enc.begin(buf, 0);
  try {
    enc.write(value);
  } catch (err) {
    throw encodeError(err);
  }
  return Buffer.from(enc.buf.subarray(0, enc.pos));
}

/** The `ERR_ENCODE` error for a value that cannot be encoded, wrapping the encoder's error. */
export function encodeError(err: unknown): SidewireError {
  if (err instanceof SidewireError && err.code === 'ERR_ENCODE') return err;
  const why = err instanceof Error && /call stack|too deep/i.test(err.message)
    ? new RangeError('the value is cyclic or nested too deeply', { cause: err })
    : err;
  return encodeFailed('the message as MessagePack', why);
}

/**
 * Decodes one frame payload holding exactly one MessagePack value. Never throws: garbage,
 * truncated data, trailing bytes and an empty payload are `{ ok: false, error: { kind: 'parse' } }`.
 */
export function decodeMsgpack(payload: Buffer): MsgpackDecodeResult {
  return decodeMsgpackAt(payload, 0, payload.length);
}

/** `decodeMsgpack` of `source[start, end)`, without slicing it (bin values are views of `source`). */
export function decodeMsgpackAt(source: Buffer, start: number, end: number): MsgpackDecodeResult {
  if (end <= start) {
    return { ok: false, error: frameError('parse', 'empty binary frame: expected one MessagePack value', 0) };
  }
  const fast = tryDecode(source, start, end);
  if (fast !== NEEDS_LIBRARY) return { ok: true, value: fast };
  const refused = checkBounds(source, start, end);
  if (refused !== undefined) return { ok: false, error: frameError('parse', `binary frame is not valid MessagePack: ${refused}`, end - start) };
  try {
    return { ok: true, value: decoder.decode(start === 0 && end === source.length ? source : source.subarray(start, end)) };
  } catch (err) {
    const why = err instanceof RangeError && /call stack/i.test(err.message) ? 'nested too deeply' : (err as Error).message;
    return { ok: false, error: frameError('parse', `binary frame is not valid MessagePack: ${why}`, end - start) };
  }
}
