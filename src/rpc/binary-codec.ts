/**
 * Binary mode message codec (docs/protocol.md "Binary mode"): one JSON-RPC message (or batch) per
 * frame, `[u32 big-endian payload length][MessagePack payload]`.
 *
 * `encodeMessageFrame` writes the whole frame, header included, into one Buffer of exactly its
 * size: the MessagePack encoder fills its reusable scratch buffer, and the bytes are copied once
 * into the frame. `encodeMessageParts` does the same, except that large Buffers/Uint8Arrays inside
 * the message (>= 64 KiB, up to 3 levels below `params`/`result`) are not copied at all: it returns
 * the frame as a list of Buffers to write in order, where each large value is itself one of them
 * (a view of the caller's memory). A Buffer or Uint8Array anywhere becomes MessagePack `bin`.
 *
 * The encoder options match src/framing/msgpack.ts (`ignoreUndefined`: a property whose value is
 * `undefined` is left out, as in JSON), so decoding with `decodeMsgpack` round-trips.
 */
import { randomBytes } from 'node:crypto';
import { Encoder, ExtData } from '@msgpack/msgpack';
import { MAX_FRAME_LENGTH } from '../framing/limits.js';

const HEADER_BYTES = 4;
const encoder = new Encoder({ ignoreUndefined: true });

/** Binary values at least this big are written from the caller's memory, not copied. */
export const ZERO_COPY_MIN_BYTES = 64 * 1024;

/** How deep below the message root large binary values are looked for (message → params → 3 levels). */
const SCAN_DEPTH = 4;
/** At most this many values are visited looking for large binary values. */
const SCAN_BUDGET = 64;

/**
 * A large value is replaced by this placeholder while encoding: a fixext 16 whose data is a
 * per-process random nonce and the value's index, found again in the output and replaced by a
 * `bin 32` header followed by the value itself.
 */
const HOLE_TYPE = 0x53;
const NONCE = randomBytes(12);
const HOLE_PREFIX = Buffer.concat([Buffer.from([0xd8, HOLE_TYPE]), NONCE]);
const HOLE_BYTES = HOLE_PREFIX.length + 4;

/**
 * Encodes `message` as one binary-mode frame (header + MessagePack payload) in a Buffer of its own,
 * which may be kept, shared between connections, and written later.
 * @throws TypeError when the message cannot be encoded (a symbol, a function, a cycle, a BigInt)
 *   or its payload is over 4 GiB - 1 bytes (what a u32 header can carry)
 */
export function encodeMessageFrame(message: unknown): Buffer {
  const body = encodeBody(message);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, HEADER_BYTES);
  return frame;
}

/**
 * Like `encodeMessageFrame`, but a message holding large binary values comes back as the list of
 * Buffers that make up the frame, the large values included without a copy (write them in order,
 * e.g. corked). Messages without such values come back as one Buffer.
 * @throws TypeError like `encodeMessageFrame`
 */
export function encodeMessageParts(message: unknown): Buffer | Buffer[] {
  const holes: Uint8Array[] = [];
  const substituted = substitute(message, holes, 0, { budget: SCAN_BUDGET });
  if (holes.length === 0) return encodeMessageFrame(message);
  const body = encodeBody(substituted);
  const parts: Buffer[] = [];
  let payloadBytes = body.length - holes.length * HOLE_BYTES;
  for (const h of holes) payloadBytes += 5 + h.byteLength;
  checkSize(payloadBytes);
  let from = 0;
  let prefix = Buffer.allocUnsafe(HEADER_BYTES);
  prefix.writeUInt32BE(payloadBytes, 0);
  for (;;) {
    const at = body.indexOf(HOLE_PREFIX, from);
    const end = at === -1 ? body.length : at;
    const piece = Buffer.allocUnsafe(prefix.length + (end - from) + (at === -1 ? 0 : 5));
    prefix.copy(piece, 0);
    piece.set(body.subarray(from, end), prefix.length);
    if (at === -1) {
      parts.push(piece);
      return parts;
    }
    const value = holes[body.readUInt32BE(at + HOLE_PREFIX.length)]!;
    piece[piece.length - 5] = 0xc6; // bin 32
    piece.writeUInt32BE(value.byteLength, piece.length - 4);
    parts.push(piece, Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    from = at + HOLE_BYTES;
    prefix = Buffer.alloc(0);
  }
}

/** The MessagePack bytes of `message`, valid until the next encode (the encoder's scratch buffer). */
function encodeBody(message: unknown): Buffer {
  let body: Uint8Array;
  try {
    body = encoder.encodeSharedRef(message);
  } catch (err) {
    const why = err instanceof Error && /call stack|too deep/i.test(err.message)
      ? 'the value is cyclic or nested too deeply'
      : err instanceof Error ? err.message : String(err);
    throw new TypeError(`cannot encode value as MessagePack: ${why}`, { cause: err });
  }
  checkSize(body.length);
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function checkSize(bytes: number): void {
  if (bytes > MAX_FRAME_LENGTH) {
    throw new TypeError(`cannot send a message of ${bytes} bytes: a binary frame carries at most ${MAX_FRAME_LENGTH} bytes`);
  }
}

/**
 * `value` with its large binary values replaced by placeholders (pushed to `holes`); objects and
 * arrays on the way are copied only when something below them was replaced.
 */
function substitute(value: unknown, holes: Uint8Array[], depth: number, scan: { budget: number }): unknown {
  if (typeof value !== 'object' || value === null || --scan.budget < 0) return value;
  if (value instanceof Uint8Array) {
    if (value.byteLength < ZERO_COPY_MIN_BYTES || value.byteLength > MAX_FRAME_LENGTH) return value;
    const data = Buffer.allocUnsafe(HOLE_PREFIX.length - 2 + 4);
    NONCE.copy(data, 0);
    data.writeUInt32BE(holes.length, NONCE.length);
    holes.push(value);
    return new ExtData(HOLE_TYPE, data);
  }
  if (depth >= SCAN_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length && scan.budget > 0; i++) {
      const item: unknown = value[i];
      const replaced = substitute(item, holes, depth + 1, scan);
      if (replaced !== item) (out ??= value.slice())[i] = replaced;
    }
    return out ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Dates, Maps, class instances: as the encoder sees them
  let out: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (scan.budget <= 0) break;
    const item = record[key];
    const replaced = substitute(item, holes, depth + 1, scan);
    if (replaced !== item) (out ??= { ...record })[key] = replaced;
  }
  return out ?? value;
}
