/**
 * JSON mode framing (docs/protocol.md §3/§4): one JSON value per line, UTF-8, terminated by `\n`.
 *
 * Decoding rules:
 * - Only the byte 0x0a ends a line; U+2028/U+2029 inside strings are ordinary characters.
 * - `\r\n` is accepted (the `\r` is stripped); blank and whitespace-only lines are ignored.
 * - A line that is not JSON → `onError({ kind: 'parse' })`; a line that is not valid UTF-8 →
 *   `onError({ kind: 'encoding' })`; a `__proto__` key → `onError({ kind: 'invalid', id })`
 *   (json-value.ts). Decoding carries on with the next line.
 * - A line longer than `maxMessageBytes` (not counting the `\n` and a `\r` before it) →
 *   `onError({ kind: 'too-large' })` as soon as the limit is crossed, once per line; the rest of
 *   that line is skipped without being buffered, so memory stays O(limit) whatever the line length.
 * - `push()` itself never throws for bad input.
 *
 * Callbacks that throw: the exception propagates out of `push()`/`end()` unchanged, and the
 * decoder stays consistent: the line that was being delivered counts as consumed, and the bytes
 * after it that were not scanned yet are kept and decoded first by the next `push()` or `end()`.
 * Nothing is lost or delivered twice. The decoder is not re-entrant: do not call `push()` from
 * inside a callback.
 *
 * Memory: the decoder keeps references to (slices of) the chunks it was given while a line is
 * incomplete, without copying them; do not modify a chunk after pushing it. Only small pieces
 * after the first (a peer trickling a line in tiny reads) are copied into a buffer of the decoder's
 * own, so holding a line costs about its bytes, not one Buffer object (~100 bytes) per read. With a `budget`
 * (receive-budget.ts) it takes those bytes from it first; when the budget refuses, the line is
 * dropped like an oversized one and reported as `over-budget`.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { encodeFailed } from '../errors.js';
import { frameError, type FrameError } from './frame-error.js';
import { parseJsonMessage } from './json-value.js';
import { resolveByteLimit } from './limits.js';
import type { ReceiveBudget } from './receive-budget.js';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/** Pieces of an incomplete line shorter than this (after its first) are copied, not referenced. */
const SMALL_PIECE = 1024;
/** Bounds of the buffers small pieces are copied into (each about the size of the line so far). */
const MIN_TAIL = 4096;
const MAX_TAIL = 64 * 1024;

export interface NdjsonDecoderOptions {
  /**
   * Max bytes of one line (excluding the `\n`, and a `\r` right before it).
   * @default 16 MiB (16 * 1024 * 1024)
   */
  readonly maxMessageBytes?: number;
  /** Called once per parsed message, in order. */
  readonly onMessage: (value: unknown) => void;
  /**
   * Called for a line that is not valid JSON (kind `'parse'`) or not valid UTF-8 (kind
   * `'encoding'`), or a line over the limit (kind `'too-large'`, reported as soon as the limit is
   * crossed, once per oversized line; the decoder then discards bytes until the next `\n` without
   * buffering them and carries on). Decoding continues after every error.
   */
  readonly onError: (error: FrameError) => void;
  /**
   * Where the bytes of incomplete lines are taken from (a server's cap across connections). When
   * it refuses, the line is dropped and reported as `over-budget` (then skipped to its `\n`).
   * @default none (no cap but maxMessageBytes)
   */
  readonly budget?: ReceiveBudget;
}

/** Splits a byte stream into NDJSON lines and parses each one. See the file comment for the rules. */
export class NdjsonDecoder {
  private max: number;
  private readonly budget: ReceiveBudget | undefined;
  private readonly onMessage: (value: unknown) => void;
  private readonly onError: (error: FrameError) => void;
  /** Pieces of the incomplete current line (none contains a `\n`). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where small pieces of the incomplete line are copied (its bytes follow `pending`'s), and how full it is. */
  private tail: Buffer | null = null;
  private tailFill = 0;
  /** Inside an oversized line that was already reported: skip up to the next `\n`. */
  private discarding = false;
  /** Unscanned bytes left over when a callback threw; decoded before the next input. */
  private backlog: Buffer | null = null;

  constructor(options: NdjsonDecoderOptions) {
    this.max = resolveByteLimit('maxMessageBytes', options.maxMessageBytes);
    this.onMessage = options.onMessage;
    this.onError = options.onError;
    this.budget = options.budget;
  }

  /**
   * Changes the line limit (e.g. a server raises it once a connection authenticated). Lowered
   * below the incomplete line held, that line is dropped and reported `too-large` at once.
   * Not from inside a callback of this decoder's `push()`.
   */
  setMaxMessageBytes(bytes: number): void {
    this.max = resolveByteLimit('maxMessageBytes', bytes);
    if (this.pendingBytes > this.max + 1) {
      const held = this.pendingBytes;
      this.dropPending();
      this.discarding = true;
      this.onError(this.tooLarge(held));
    }
  }

  /** Bytes held for an incomplete line (plus any left unscanned by a throwing callback). */
  get bufferedBytes(): number {
    return this.pendingBytes + (this.backlog === null ? 0 : this.backlog.length);
  }

  /** Feeds the next bytes of the stream. Chunks may be split anywhere, even inside a character. */
  push(chunk: Buffer): void {
    if (this.backlog !== null) {
      chunk = this.backlog.length === 0 ? chunk : chunk.length === 0 ? this.backlog : Buffer.concat([this.backlog, chunk]);
      this.backlog = null;
    }
    const end = chunk.length;
    let start = 0;
    try {
      if (this.discarding) {
        const nl = chunk.indexOf(LF);
        if (nl === -1) return;
        this.discarding = false;
        start = nl + 1;
      }
      let tryAscii = true;
      while (start < end) {
        // Fast path, once per chunk and as soon as no partial line is pending: when the complete
        // lines from here on are all ASCII (the usual case), decode them with one native call and
        // split the string (byte and character offsets are equal).
        if (tryAscii && this.pendingBytes === 0) {
          tryAscii = false;
          const last = chunk.lastIndexOf(LF);
          if (last > start && isAscii(chunk.subarray(start, last))) {
            const text = chunk.toString('latin1', start, last);
            const base = start;
            for (let from = 0; ; ) {
              const nl = text.indexOf('\n', from);
              const to = nl === -1 ? text.length : nl;
              start = base + to + 1; // consumed, even if a callback throws
              this.decodeText(text, from, to);
              if (nl === -1) break;
              from = nl + 1;
            }
            continue;
          }
        }
        const nl = chunk.indexOf(LF, start);
        const lineStart = start;
        if (nl === -1) {
          start = end;
          this.stash(chunk, lineStart);
          return;
        }
        start = nl + 1;
        if (this.pendingBytes === 0) this.decodeLine(chunk, lineStart, nl);
        else this.completePending(chunk, lineStart, nl);
      }
    } catch (err) {
      if (start < end) this.backlog = chunk.subarray(start);
      throw err;
    }
  }

  /**
   * Ends the stream: a final line without `\n` is decoded as a message (as sent by
   * `printf '{...}' | nc`). The decoder is then empty and could be reused.
   */
  end(): void {
    if (this.backlog !== null) this.push(Buffer.alloc(0));
    this.discarding = false;
    if (this.pendingBytes === 0) return;
    const total = this.pendingBytes;
    this.sealTail();
    const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, total);
    this.dropPending();
    this.decodeLine(line, 0, total);
  }

  /** Keeps `chunk[from..]` (no `\n` in it) as part of the current line, or reports it too large. */
  private stash(chunk: Buffer, from: number): void {
    const total = this.pendingBytes + (chunk.length - from);
    // One byte of slack: a trailing '\r' may turn out to be part of the line ending.
    if (total > this.max && (total > this.max + 1 || chunk[chunk.length - 1] !== CR)) {
      this.dropPending();
      this.discarding = true;
      this.onError(this.tooLarge(total));
      return;
    }
    if (this.budget !== undefined && !this.budget.take(chunk.length - from)) {
      this.dropPending();
      this.discarding = true;
      this.onError(frameError('over-budget', `message of at least ${total} bytes cannot be held: the buffer for incomplete messages is full`, total));
      return;
    }
    const n = chunk.length - from;
    if (this.pendingBytes > 0 && n < SMALL_PIECE) {
      this.copyToTail(chunk, from, n);
    } else {
      this.sealTail();
      this.pending.push(from === 0 ? chunk : chunk.subarray(from));
    }
    this.pendingBytes = total;
  }

  /** Appends `chunk[from, from + n)` to the tail buffer, starting a new one when it is full. */
  private copyToTail(chunk: Buffer, from: number, n: number): void {
    if (this.tail === null || this.tailFill + n > this.tail.length) {
      this.sealTail();
      this.tail = Buffer.allocUnsafe(Math.min(MAX_TAIL, Math.max(MIN_TAIL, this.pendingBytes))); // n < MIN_TAIL: it fits
    }
    chunk.copy(this.tail, this.tailFill, from, from + n);
    this.tailFill += n;
  }

  /** Moves the tail's bytes to the end of `pending`. */
  private sealTail(): void {
    if (this.tail === null) return;
    if (this.tailFill > 0) this.pending.push(this.tail.subarray(0, this.tailFill));
    this.tail = null;
    this.tailFill = 0;
  }

  /** Forgets the incomplete line (and gives its bytes back to the budget). */
  private dropPending(): void {
    if (this.pendingBytes === 0) return;
    this.budget?.give(this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.tail = null;
    this.tailFill = 0;
  }

  /** The line made of the pending pieces plus `chunk[from..nl)` is complete. */
  private completePending(chunk: Buffer, from: number, nl: number): void {
    const total = this.pendingBytes + (nl - from);
    this.sealTail();
    const pieces = this.pending;
    this.dropPending();
    if (total > this.max + 1) {
      this.onError(this.tooLarge(total));
      return;
    }
    if (nl > from) pieces.push(chunk.subarray(from, nl));
    const line = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, total);
    this.decodeLine(line, 0, total);
  }

  /** Decodes the complete line `buf[start..end)` (without its `\n`). */
  private decodeLine(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    const length = end - start;
    if (length > this.max) {
      this.onError(this.tooLarge(length));
      return;
    }
    if (length === 0) return;
    const first = buf[start];
    if ((first === SPACE || first === TAB || first === CR) && isBlank(buf, start, end)) return;
    const text = buf.toString('utf8', start, end);
    // Invalid UTF-8 decodes to U+FFFD; only then is the (fast, native) validation needed.
    if (text.indexOf('\uFFFD') !== -1 && !isUtf8(buf.subarray(start, end))) {
      this.onError(frameError('encoding', 'message is not valid UTF-8', length));
      return;
    }
    this.parse(text, length);
  }

  /** Decodes the complete ASCII line `text[from..to)` (without its `\n`): decodeLine's rules. */
  private decodeText(text: string, from: number, to: number): void {
    if (to > from && text.charCodeAt(to - 1) === CR) to--;
    const length = to - from;
    if (length > this.max) {
      this.onError(this.tooLarge(length));
      return;
    }
    if (length === 0) return;
    const first = text.charCodeAt(from);
    if ((first === SPACE || first === TAB || first === CR) && isBlankText(text, from, to)) return;
    this.parse(text.slice(from, to), length); // ASCII is valid UTF-8
  }

  /** Parses one line of `length` bytes and delivers the value or its error (json-value.ts). */
  private parse(text: string, length: number): void {
    const parsed = parseJsonMessage(text, length);
    if (parsed.ok) this.onMessage(parsed.value);
    else this.onError(parsed.error);
  }

  private tooLarge(bytes: number): FrameError {
    return frameError(
      'too-large',
      `message of at least ${bytes} bytes is over the limit of ${this.max} bytes (maxMessageBytes); it was discarded`,
      bytes,
    );
  }
}

/** True when `text[start..end)` is only spaces, tabs and carriage returns. */
function isBlankText(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

/** True when `buf[start..end)` is only spaces, tabs and carriage returns. */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== SPACE && b !== TAB && b !== CR) return false;
  }
  return true;
}

/**
 * `JSON.stringify(value) + '\n'`: one NDJSON line. The output never contains a raw `\n` before
 * the terminator (JSON escapes it inside strings) and is well-formed Unicode (lone surrogates are
 * escaped). Throws a SidewireError `ERR_ENCODE` (docs/errors.md) for values JSON cannot represent
 * at the top level (`undefined`, a function, a symbol), for `BigInt`s and for cyclic structures.
 */
export function encodeNdjson(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw encodeFailed('the message as JSON', err); // a BigInt, a cycle, a throwing toJSON
  }
  if (json === undefined) {
    throw encodeFailed('the message as JSON', `a ${typeof value} is not a JSON value (object, array, string, number, boolean, null)`);
  }
  return json + '\n';
}
