/**
 * Binary mode payload codec: one plain MessagePack value per frame (see length-prefix.ts).
 *
 * Uses @msgpack/msgpack (the MessagePack organisation's pure-JS implementation, no native or
 * optional dependencies). The bytes are standard MessagePack that any implementation (Python
 * `msgpack`, Rust `rmp-serde`, Go `vmihailenco/msgpack`...) decodes without extensions:
 * - objects are maps, arrays are arrays, strings are str, Buffers / Uint8Arrays are `bin`;
 *   `bin` decodes as a Buffer view of the frame payload (no copy): binary data is carried
 *   natively, never base64.
 * - a map key `__proto__`, a map key that is not a string and an extension type other than the
 *   timestamp (-1) are refused: the frame is an `invalid` error (-32600) carrying the request's id
 *   (msgpack-peek-id.ts), as JSON mode refuses a `__proto__` key (json-value.ts).
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
import { DecodeError, Decoder, ExtensionCodec, type ExtensionCodecType } from '@msgpack/msgpack';
import { SidewireError, encodeFailed } from '../errors.js';
import { frameError, type FrameError } from './frame-error.js';
import { invalidValue, PROTO_KEY_MESSAGE } from './json-value.js';
import { checkBounds } from './msgpack-bounds.js';
import { isWholeValue, peekRequestId } from './msgpack-peek-id.js';
import { NEEDS_LIBRARY, tryDecode } from './msgpack-decoder.js';
import { MsgpackEncoder } from './msgpack-encoder.js';

const encoder = new MsgpackEncoder();
/**
 * Default limits (2^32 - 1): checkBounds has bounded every length by the frame before the library
 * sees it, which per-frame maxArrayLength & co could not do alone (nested arrays multiply).
 */
const decoder = new Decoder({ mapKeyConverter: stringKey, extensionCodec: timestampOnly() });

/** What the protocol refuses in a frame that is valid MessagePack (an `invalid` error, -32600). */
class RefusedValue extends Error {} // not a DecodeError: its constructor resets the prototype

/** Map keys are strings (as in JSON): a number, nil, bool... key is refused. */
function stringKey(key: unknown): string {
  if (typeof key === 'string') return key;
  throw new RefusedValue(`a map key must be a string, got a ${typeof key} (${String(key)})`);
}

/** The standard timestamp extension (-1) decodes as a Date; every other extension type is refused. */
function timestampOnly(): ExtensionCodecType<undefined> {
  const codec = ExtensionCodec.defaultCodec;
  return {
    tryToEncode: (object, context) => codec.tryToEncode(object, context),
    decode(data, type, context) {
      if (type === -1) return codec.decode(data, type, context);
      throw new RefusedValue(`extension type ${type} is not allowed (only the timestamp, -1)`);
    },
  };
}
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
    const refused = err instanceof RefusedValue ? err.message : isProtoKeyError(err) ? PROTO_KEY_MESSAGE : undefined;
    if (refused !== undefined) {
      if (isWholeValue(source, start, end)) return { ok: false, error: invalidValue(refused, end - start, peekRequestId(source, start, end)) };
      return { ok: false, error: frameError('parse', 'binary frame is not valid MessagePack: it is truncated, holds an unused type byte or has bytes after its value', end - start) };
    }
    const why = err instanceof RangeError && /call stack/i.test(err.message) ? 'nested too deeply' : (err as Error).message;
    return { ok: false, error: frameError('parse', `binary frame is not valid MessagePack: ${why}`, end - start) };
  }
}

/** The library's own refusal of a `__proto__` key (checked before the key converter runs). */
function isProtoKeyError(err: unknown): boolean {
  return err instanceof DecodeError && err.message.includes('__proto__');
}
