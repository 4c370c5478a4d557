/**
 * Binary mode framing (docs/protocol.md §3, issue 9). After sniffing a 0x00 first byte the client sends
 * a 4-byte preface, then frames:
 *
 *   preface: 0x00 0x53 0x57 <version>     ("\0SW" + protocol version, currently 1)
 *   frame:   <u32 big-endian payload length> <payload>
 *
 * Frames flow the same way in both directions; the payload is one MessagePack value (msgpack.ts).
 *
 * The decoder delivers a frame that lies wholly inside one chunk as a zero-copy `subarray` of that
 * chunk. A frame that spans chunks is copied into one Buffer of exactly its length, allocated once
 * (no repeated concatenation). A header over `maxFrameBytes` is rejected from the header alone,
 * before anything is allocated; the stream cannot be resynchronised after that, so the decoder
 * stops and ignores further input.
 *
 * Callbacks that throw: the exception propagates out of `push()`, the frame being delivered counts
 * as consumed, and the remaining bytes of the chunk are kept and decoded first by the next
 * `push()`. The decoder is not re-entrant.
 *
 * With a `budget` (receive-budget.ts), a frame that spans chunks takes its whole length from it
 * before its buffer is allocated, and gives it back once delivered; a refusal stops the decoder
 * like an oversized header, reported as `over-budget`.
 */
import { createError } from '../errors.js';
import { controlBodyBytes, INDIRECT_MARK } from './control-frames.js';
import { frameError, type FrameError } from './frame-error.js';
import { MAX_FRAME_LENGTH, resolveByteLimit } from './limits.js';
import type { ReceiveBudget } from './receive-budget.js';

/** Binary protocol version carried in the preface. */
export const BINARY_VERSION = 1;

/** The 4-byte preface a binary client sends first: `\0SW` + version. Do not modify it. */
export const BINARY_PREFACE: Buffer = Buffer.from([0x00, 0x53, 0x57, BINARY_VERSION]);

const HEADER_BYTES = 4;
const BINARY_MAGIC = [0x00, 0x53, 0x57] as const;

/** Options of a `LengthPrefixDecoder`: `onFrame` or `onFrameAt` (one of them is required) receives the frames. */
export interface LengthPrefixDecoderOptions {
  /**
   * Max payload bytes of one frame; a longer header is a `too-large` error.
   * @default 16 MiB (16 * 1024 * 1024)
   */
  readonly maxFrameBytes?: number;
  /**
   * Called once per frame, in order, with its payload: a slice of the pushed chunk when the frame
   * lies inside it (zero-copy; do not keep it if you modify the chunk), else a Buffer of its own.
   * @default none (then `onFrameAt` is required)
   */
  readonly onFrame?: (payload: Buffer) => void;
  /**
   * Used instead of `onFrame` when given, without creating a slice per frame: the payload is
   * `buffer[start, end)`, where `buffer` is the pushed chunk (do not keep it if you modify the
   * chunk) or a Buffer of its own.
   * @default none
   */
  readonly onFrameAt?: (buffer: Buffer, start: number, end: number) => void;
  /**
   * Called with `too-large` when a header announces more than `maxFrameBytes`. The stream is then
   * unrecoverable: the decoder stops, and further `push()` calls are ignored.
   */
  readonly onError: (error: FrameError) => void;
  /**
   * When given, the header values ff ff ff ff and ff ff ff fe are the shared-memory side channel's
   * control frames (control-frames.ts), not lengths: `onControl(mark, a, b)` gets an indirect
   * frame's offset and length, or a release frame's count (b = 0). In order with the frames.
   * @default none (those headers are lengths, normally over the limit)
   */
  readonly onControl?: (mark: number, a: number, b: number) => void;
  /**
   * Where the buffers of frames that span chunks are taken from (a server's cap across
   * connections). A refusal stops the decoder with an `over-budget` error.
   * @default none (no cap but maxFrameBytes)
   */
  readonly budget?: ReceiveBudget;
}

/** Splits a byte stream (after the preface) into length-prefixed frames. */
export class LengthPrefixDecoder {
  private max: number;
  private readonly budget: ReceiveBudget | undefined;
  private readonly onFrame: ((payload: Buffer) => void) | undefined;
  private readonly onFrameAt: ((buffer: Buffer, start: number, end: number) => void) | undefined;
  private readonly onError: (error: FrameError) => void;
  private readonly onControl: ((mark: number, a: number, b: number) => void) | undefined;
  /** The control mark whose body is being read (0: an ordinary frame). */
  private control = 0;
  /** A header split across chunks. */
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  /** The frame being assembled from several chunks, and how much of it is filled. */
  private frame: Buffer | null = null;
  private frameFill = 0;
  private stopped = false;
  /** Unscanned bytes left over when a callback threw; decoded before the next input. */
  private backlog: Buffer | null = null;

  constructor(options: LengthPrefixDecoderOptions) {
    this.max = resolveByteLimit('maxFrameBytes', options.maxFrameBytes);
    if (options.onFrame === undefined && options.onFrameAt === undefined) throw new TypeError('LengthPrefixDecoder needs onFrame or onFrameAt');
    this.onFrame = options.onFrame;
    this.onFrameAt = options.onFrameAt;
    this.onError = options.onError;
    this.onControl = options.onControl;
    this.budget = options.budget;
  }

  /**
   * Changes the frame limit (e.g. a server raises it once a connection authenticated). Lowered
   * below the frame being assembled, the decoder stops with `too-large` at once. Not from inside
   * a callback of this decoder's `push()`.
   */
  setMaxFrameBytes(bytes: number): void {
    this.max = resolveByteLimit('maxFrameBytes', bytes);
    const frame = this.frame;
    if (frame !== null && this.control === 0 && frame.length > this.max && !this.stopped) this.stop(frame.length);
  }

  /** Bytes held for an incomplete header or frame. */
  get bufferedBytes(): number {
    return this.headerFill + this.frameFill + (this.backlog === null ? 0 : this.backlog.length);
  }

  /** Feeds the next bytes of the stream; chunks may be split anywhere. */
  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.backlog !== null) {
      chunk = this.backlog.length === 0 ? chunk : chunk.length === 0 ? this.backlog : Buffer.concat([this.backlog, chunk]);
      this.backlog = null;
    }
    const end = chunk.length;
    let pos = 0;
    try {
      while (pos < end) {
        const frame = this.frame;
        if (frame !== null) {
          const take = Math.min(frame.length - this.frameFill, end - pos);
          chunk.copy(frame, this.frameFill, pos, pos + take);
          pos += take;
          this.frameFill += take;
          if (this.frameFill < frame.length) return;
          this.frame = null;
          this.frameFill = 0;
          this.budget?.give(frame.length);
          this.deliver(frame, 0, frame.length);
          continue;
        }
        let length: number;
        if (this.headerFill === 0 && end - pos >= HEADER_BYTES) {
          length = chunk.readUInt32BE(pos);
          pos += HEADER_BYTES;
        } else {
          const take = Math.min(HEADER_BYTES - this.headerFill, end - pos);
          chunk.copy(this.header, this.headerFill, pos, pos + take);
          pos += take;
          this.headerFill += take;
          if (this.headerFill < HEADER_BYTES) return;
          this.headerFill = 0;
          length = this.header.readUInt32BE(0);
        }
        const body = this.onControl === undefined ? 0 : controlBodyBytes(length);
        if (body > 0) {
          this.control = length;
          length = body;
        } else if (length > this.max) {
          this.stop(length);
          return;
        }
        if (end - pos >= length) {
          pos += length;
          this.deliver(chunk, pos - length, pos);
        } else {
          if (this.budget !== undefined && !this.budget.take(length)) {
            this.stop(length, 'over-budget');
            return;
          }
          this.frame = Buffer.allocUnsafe(length); // fully overwritten before it is delivered
          this.frameFill = 0;
        }
      }
    } catch (err) {
      if (!this.stopped && pos < end) this.backlog = chunk.subarray(pos);
      throw err;
    }
  }

  private deliver(buffer: Buffer, start: number, end: number): void {
    const mark = this.control;
    if (mark !== 0) {
      this.control = 0;
      this.onControl!(mark, buffer.readUInt32BE(start), mark === INDIRECT_MARK ? buffer.readUInt32BE(start + 4) : 0);
      return;
    }
    if (this.onFrameAt !== undefined) this.onFrameAt(buffer, start, end);
    else this.onFrame!(start === 0 && end === buffer.length ? buffer : buffer.subarray(start, end));
  }

  private stop(length: number, kind: 'too-large' | 'over-budget' = 'too-large'): void {
    this.stopped = true;
    this.control = 0;
    this.headerFill = 0;
    if (this.frame !== null) this.budget?.give(this.frame.length);
    this.frame = null;
    this.frameFill = 0;
    this.onError(
      kind === 'too-large'
        ? frameError('too-large', `frame of ${length} bytes is over the limit of ${this.max} bytes (maxFrameBytes); the binary stream cannot continue`, length)
        : frameError('over-budget', `frame of ${length} bytes cannot be held: the buffer for incomplete messages is full; the binary stream cannot continue`, length),
    );
  }
}

/** The 4-byte big-endian header announcing a payload of `length` bytes. */
export function encodeFrameHeader(length: number): Buffer {
  checkLength(length);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(length, 0);
  return header;
}

/**
 * Header and payload in one new Buffer (one copy of the payload). For large payloads prefer
 * writing `encodeFrameHeader(payload.length)` and the payload separately (e.g. `socket.cork()`).
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  checkLength(payload.length);
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, HEADER_BYTES);
  return out;
}

export type PrefaceResult =
  /** A valid preface; `rest` is what follows it in the chunk (possibly empty). */
  | { ok: true; version: number; rest: Buffer }
  /** Not a sidewire binary preface, or a protocol version this side does not speak. */
  | { ok: false; reason: string }
  /** A valid start, but fewer than 4 bytes so far: call again with more bytes. */
  | { ok: 'need-more' };

/**
 * Checks the binary preface at the start of `chunk` (pass the bytes from the sniffed offset on).
 * Only version 1 (`BINARY_VERSION`) is accepted; any other version is `ok: false` with a reason.
 */
export function parsePreface(chunk: Buffer): PrefaceResult {
  const known = Math.min(chunk.length, HEADER_BYTES - 1);
  for (let i = 0; i < known; i++) {
    if (chunk[i] !== BINARY_MAGIC[i]) {
      const got = chunk.subarray(0, Math.min(chunk.length, HEADER_BYTES)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
      return { ok: false, reason: `not a sidewire binary preface: expected bytes 00 53 57 01, got ${got}` };
    }
  }
  if (chunk.length < HEADER_BYTES) return { ok: 'need-more' };
  const version = chunk[HEADER_BYTES - 1]!;
  if (version !== BINARY_VERSION) {
    return { ok: false, reason: `unsupported binary protocol version ${version}: this side speaks version ${BINARY_VERSION}` };
  }
  return { ok: true, version, rest: chunk.subarray(HEADER_BYTES) };
}

function checkLength(length: number): void {
  if (Number.isInteger(length) && length >= 0 && length <= MAX_FRAME_LENGTH) return;
  throw createError('ERR_INVALID_ARGUMENT', `a binary frame payload must be 0 to ${MAX_FRAME_LENGTH} bytes, got ${String(length)}`, {
    fixes: ['Split the data into several messages (or stream it), each under the connection\'s maxFrameBytes limit.'],
    details: { length },
  });
}
