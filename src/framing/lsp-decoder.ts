/**
 * LSP framing's decoder (docs/protocol.md "LSP framing"): a header section (lsp-headers.ts), then
 * exactly `Content-Length` bytes of one JSON-RPC message, parsed like a JSON mode line
 * (json-value.ts): same errors, same limits.
 *
 * - A `Content-Length` over `maxMessageBytes` → `onError({ kind: 'too-large' })` from the header
 *   alone; its body is then skipped as it arrives, never buffered, and decoding goes on after it.
 * - A body that is not JSON → `parse`, not UTF-8 → `encoding`, a `__proto__` key → `invalid`:
 *   decoding goes on with the next message.
 * - A malformed header section (or one over `MAX_LSP_HEADER_BYTES`) → `parse` with `broken` set:
 *   the framing is lost, everything after it is ignored; the stream closes the connection.
 * - The peer ending the stream inside a message → `parse` (`end()`).
 * - Blank lines (`\r`, `\n`) before a header section are skipped, as JSON mode skips blank lines.
 *
 * A body that lies inside one pushed chunk is decoded in place; one spanning chunks is collected
 * (its bytes taken from `budget` first: refused → `over-budget`, the body is skipped). `push`
 * never throws for bad input; a throwing callback propagates and leaves the rest of that chunk
 * unread (the streams destroy the connection then).
 */
import { isUtf8 } from 'node:buffer';
import { frameError, type FrameError } from './frame-error.js';
import { parseJsonMessage } from './json-value.js';
import { resolveByteLimit } from './limits.js';
import { MAX_LSP_HEADER_BYTES, parseLspHeaders } from './lsp-headers.js';
import type { ReceiveBudget } from './receive-budget.js';

export interface LspDecoderOptions {
  /**
   * Largest accepted body (`Content-Length`), in bytes.
   * @default 16 MiB (16 * 1024 * 1024)
   */
  readonly maxMessageBytes?: number;
  /** Called once per parsed message, in order. */
  readonly onMessage: (value: unknown) => void;
  /** Called for each message that cannot be delivered (see the file comment). */
  readonly onError: (error: FrameError) => void;
  /**
   * Where the bytes of bodies spanning chunks are taken from (a server's cap across connections).
   * @default none (no cap but maxMessageBytes)
   */
  readonly budget?: ReceiveBudget;
}

const END_OF_HEADERS = Buffer.from('\r\n\r\n');

export class LspDecoder {
  private max: number;
  private readonly options: LspDecoderOptions;
  private state: 'header' | 'body' | 'skip' | 'broken' = 'header';
  /** The header section so far (at most MAX_LSP_HEADER_BYTES). */
  private header: Buffer = Buffer.alloc(0);
  /** Body bytes still expected (state body or skip), and the body's length. */
  private remaining = 0;
  private length = 0;
  /** Pieces of the body collected so far, and their bytes (taken from the budget). */
  private pieces: Buffer[] = [];
  private held = 0;

  constructor(options: LspDecoderOptions) {
    this.options = options;
    this.max = resolveByteLimit('maxMessageBytes', options.maxMessageBytes);
  }

  /** True once a malformed header was seen: the rest of the stream is ignored. */
  get broken(): boolean {
    return this.state === 'broken';
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.header.length + this.held;
  }

  /** Changes the body limit; a body being collected that is now over it is dropped and reported. */
  setMaxMessageBytes(bytes: number): void {
    this.max = resolveByteLimit('maxMessageBytes', bytes);
    if (this.state === 'body' && this.length > this.max) {
      this.dropPieces();
      this.state = 'skip';
      this.options.onError(this.tooLarge(this.length));
    }
  }

  /** Feeds the next bytes of the stream; chunks may be split anywhere. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'broken') return;
      if (this.state === 'header') pos = this.readHeader(chunk, pos);
      else if (this.state === 'skip') pos = this.skip(chunk, pos);
      else pos = this.readBody(chunk, pos);
    }
  }

  /** The peer ended the stream: a message cut short is reported. */
  end(): void {
    const inside = (this.state === 'header' && this.header.length > 0) || this.state === 'body' || this.state === 'skip';
    const bytes = this.header.length + this.held;
    this.header = Buffer.alloc(0);
    this.dropPieces();
    if (this.state !== 'broken') this.state = 'header';
    if (inside) this.options.onError(frameError('parse', 'the peer ended the stream inside a message', bytes));
  }

  private readHeader(chunk: Buffer, pos: number): number {
    const before = this.header.length;
    if (before === 0) {
      while (pos < chunk.length && (chunk[pos] === 0x0d || chunk[pos] === 0x0a)) pos++; // blank lines between messages
      if (pos === chunk.length) return pos;
    }
    const take = Math.min(chunk.length - pos, MAX_LSP_HEADER_BYTES - before);
    this.header = before === 0 ? chunk.subarray(pos, pos + take) : Buffer.concat([this.header, chunk.subarray(pos, pos + take)]);
    const at = this.header.indexOf(END_OF_HEADERS, Math.max(0, before - 3));
    if (at === -1) {
      if (this.header.length >= MAX_LSP_HEADER_BYTES) return this.fail(`malformed LSP header: the header section is over ${MAX_LSP_HEADER_BYTES} bytes`);
      if (before === 0) this.header = Buffer.from(this.header); // keep a copy, not the caller's chunk
      return chunk.length > pos + take ? pos + take : chunk.length;
    }
    const consumed = at + END_OF_HEADERS.length - before;
    const parsed = parseLspHeaders(this.header.toString('latin1', 0, at));
    this.header = Buffer.alloc(0);
    if (!parsed.ok) return this.fail(parsed.reason);
    this.length = this.remaining = parsed.contentLength;
    if (this.length > this.max) {
      this.state = 'skip';
      this.options.onError(this.tooLarge(this.length));
    } else {
      this.state = 'body';
      if (this.length === 0) this.complete(Buffer.alloc(0), 0, 0);
    }
    return pos + consumed;
  }

  private readBody(chunk: Buffer, pos: number): number {
    const avail = chunk.length - pos;
    if (this.held === 0 && avail >= this.remaining) {
      const end = pos + this.remaining;
      this.complete(chunk, pos, end); // in place, no copy
      return end;
    }
    const n = Math.min(avail, this.remaining);
    if (this.options.budget !== undefined && !this.options.budget.take(n)) {
      const total = this.length;
      this.dropPieces();
      this.remaining -= n;
      this.state = this.remaining === 0 ? 'header' : 'skip';
      this.options.onError(frameError('over-budget', `message of ${total} bytes cannot be held: the buffer for incomplete messages is full`, total));
      return pos + n;
    }
    this.pieces.push(Buffer.from(chunk.subarray(pos, pos + n)));
    this.held += n;
    this.remaining -= n;
    if (this.remaining === 0) {
      const body = Buffer.concat(this.pieces, this.held);
      this.dropPieces();
      this.complete(body, 0, body.length);
    }
    return pos + n;
  }

  private skip(chunk: Buffer, pos: number): number {
    const n = Math.min(chunk.length - pos, this.remaining);
    this.remaining -= n;
    if (this.remaining === 0) this.state = 'header';
    return pos + n;
  }

  /** The body `buf[start, end)` is complete: parse and deliver it. */
  private complete(buf: Buffer, start: number, end: number): void {
    this.state = 'header';
    const length = end - start;
    const text = buf.toString('utf8', start, end);
    if (text.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) {
      this.options.onError(frameError('encoding', 'message is not valid UTF-8', length));
      return;
    }
    const parsed = parseJsonMessage(text, length);
    if (parsed.ok) this.options.onMessage(parsed.value);
    else this.options.onError(parsed.error);
  }

  private fail(reason: string): number {
    const bytes = this.header.length;
    this.header = Buffer.alloc(0);
    this.state = 'broken';
    this.options.onError(frameError('parse', reason, bytes));
    return Number.MAX_SAFE_INTEGER;
  }

  private dropPieces(): void {
    if (this.held > 0) this.options.budget?.give(this.held);
    this.pieces = [];
    this.held = 0;
  }

  private tooLarge(bytes: number): FrameError {
    return frameError('too-large', `message of ${bytes} bytes (Content-Length) is over the limit of ${this.max} bytes (maxMessageBytes); it was discarded`, bytes);
  }
}
