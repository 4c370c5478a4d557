/**
 * Binary mode message codec (docs/protocol.md "Binary mode"): one JSON-RPC message (or batch) per
 * frame, `[u32 big-endian payload length][MessagePack payload]`.
 *
 * `encodeFrameInto` writes a frame, header included, straight into a caller's Buffer at an offset
 * (the binary stream's outgoing batch, see binary-writer.ts), with the hand-written encoder of
 * src/framing/msgpack-encoder.ts: same bytes as @msgpack/msgpack, no scratch copy. Large
 * Buffers/Uint8Arrays (>= 64 KiB, at any depth) can be left out as holes and written from the
 * caller's memory.
 *
 * `encodeMessageFrame` returns a frame in a Buffer of its own (for messages encoded once and sent
 * to many connections); `encodeMessageParts` returns the frame as a list of Buffers when it holds
 * large binary values, each of them one of the Buffers (a view of the caller's memory).
 * A Buffer or Uint8Array anywhere becomes MessagePack `bin`; an object property whose value is
 * `undefined` is left out, as in JSON, so decoding with `decodeMsgpack` round-trips.
 */
import { createError } from '../../errors.js';
import { MAX_FRAME_LENGTH } from '../../framing/limits.js';
import { encodeError } from '../../framing/msgpack.js';
import { MsgpackEncoder, putU32 } from '../../framing/msgpack-encoder.js';

/** Bytes of a frame header. */
export const FRAME_HEADER_BYTES = 4;

/** Binary values at least this big are written from the caller's memory, not copied. */
export const ZERO_COPY_MIN_BYTES = 64 * 1024;

/** Used by the standalone functions below (each binary stream has its own), with its scratch Buffer. */
const shared = new MsgpackEncoder();
let scratch: Buffer = Buffer.allocUnsafe(2048);
let sharedBusy = false;

/**
 * Encodes `message` as one frame at `pos` of `buf`, through `encoder`: afterwards the frame is
 * `encoder.buf[encoder.base, encoder.pos)` (a new, bigger Buffer when it did not fit, holding
 * only this frame from offset 0), with `encoder.holeValue[i]` going at `encoder.holeAt[i]` when
 * `encoder.zeroCopyMinBytes` is set.
 * @throws SidewireError ERR_ENCODE when the message cannot be encoded (a symbol, a function, a
 *   cycle, a BigInt); ERR_MESSAGE_TOO_LARGE when its payload is over 4 GiB - 1 bytes (what a u32
 *   header can carry)
 */
export function encodeFrameInto(encoder: MsgpackEncoder, buf: Buffer, pos: number, message: unknown): void {
  encoder.begin(buf, pos);
  encoder.ensure(FRAME_HEADER_BYTES);
  encoder.pos += FRAME_HEADER_BYTES;
  try {
    encoder.write(message);
  } catch (err) {
    throw encodeError(err);
  }
  finishFrame(encoder);
}

/**
 * Like `encodeFrameInto` for the request `{ jsonrpc: '2.0', id, method, params }` (the notification
 * without `id`), without the message object: the envelope is written from constants, in the
 * order `requestMessage`/`notificationMessage` give their keys, so the bytes are the same.
 * `params` must not be undefined (those messages leave the key out).
 * @throws SidewireError like `encodeFrameInto`
 */
export function encodeCallInto(encoder: MsgpackEncoder, buf: Buffer, pos: number, id: number | undefined, method: string, params: unknown): void {
  encoder.begin(buf, pos);
  encoder.ensure(FRAME_HEADER_BYTES);
  encoder.pos += FRAME_HEADER_BYTES;
  try {
    encoder.writeCall(id, method, params);
  } catch (err) {
    throw encodeError(err);
  }
  finishFrame(encoder);
}

/** Checks the frame just encoded and writes its header. */
function finishFrame(encoder: MsgpackEncoder): void {
  const payload = encoder.pos - encoder.base - FRAME_HEADER_BYTES + encoder.holeBytes;
  if (payload > MAX_FRAME_LENGTH) {
    throw createError('ERR_MESSAGE_TOO_LARGE', `cannot send a message of ${payload} bytes: a binary frame carries at most ${MAX_FRAME_LENGTH} bytes`, {
      fixes: ['send less per message (split it), or stream large data in parts'],
      details: { bytes: payload, limit: MAX_FRAME_LENGTH },
    });
  }
  putU32(encoder.buf, encoder.base, payload);
}

/**
 * Encodes `message` as one binary-mode frame (header + MessagePack payload) in a Buffer of its own,
 * which may be kept, shared between connections, and written later.
 * @throws SidewireError like `encodeFrameInto`
 */
export function encodeMessageFrame(message: unknown): Buffer {
  return encodeStandalone(message, Infinity) as Buffer;
}

/**
 * Like `encodeMessageFrame`, but a message holding large binary values comes back as the list of
 * Buffers that make up the frame, the large values included without a copy (write them in order,
 * e.g. corked). Messages without such values come back as one Buffer.
 * @throws SidewireError like `encodeFrameInto`
 */
export function encodeMessageParts(message: unknown): Buffer | Buffer[] {
  return encodeStandalone(message, ZERO_COPY_MIN_BYTES);
}

/** Encodes in the shared scratch Buffer, then copies the frame (except zero-copy values) out of it. */
function encodeStandalone(message: unknown, zeroCopyMinBytes: number): Buffer | Buffer[] {
  if (sharedBusy) return copyOut(encodeWith(new MsgpackEncoder(), Buffer.allocUnsafe(256), message, zeroCopyMinBytes));
  sharedBusy = true;
  try {
    const out = copyOut(encodeWith(shared, scratch, message, zeroCopyMinBytes));
    scratch = shared.buf.length > 1024 * 1024 ? Buffer.allocUnsafe(2048) : shared.buf;
    return out;
  } finally {
    sharedBusy = false;
  }
}

function encodeWith(encoder: MsgpackEncoder, buf: Buffer, message: unknown, zeroCopyMinBytes: number): Buffer | Buffer[] {
  encoder.zeroCopyMinBytes = zeroCopyMinBytes;
  encodeFrameInto(encoder, buf, 0, message);
  return frameParts(encoder);
}

/** Copies of the encoder's pieces; the zero-copy values as they are. */
function copyOut(frame: Buffer | Buffer[]): Buffer | Buffer[] {
  if (!Array.isArray(frame)) return Buffer.from(frame);
  return frame.map((part, i) => (i % 2 === 1 ? part : Buffer.from(part)));
}

/**
 * The frame `encoder` just wrote, as one Buffer (no holes) or as the pieces around its holes
 * interleaved with the hole values. The pieces are views of `encoder.buf`.
 */
export function frameParts(encoder: MsgpackEncoder): Buffer | Buffer[] {
  const { buf, base, pos, holeAt, holeValue } = encoder;
  if (holeAt.length === 0) return buf.subarray(base, pos);
  const parts: Buffer[] = [];
  let from = base;
  for (let i = 0; i < holeAt.length; i++) {
    parts.push(buf.subarray(from, holeAt[i]), holeValue[i]!);
    from = holeAt[i]!;
  }
  if (from < pos) parts.push(buf.subarray(from, pos));
  return parts;
}
