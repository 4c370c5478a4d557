/**
 * Reads the first line of a text session from a socket, with a deadline and a size limit and
 * without buffering more than the limit. Leading whitespace (spaces, tabs, CR, LF) before the
 * first command byte is skipped — it is what the mode sniffer skipped too.
 */
import type { Socket } from 'node:net';
import type { Timers } from '../util/timers.js';

export interface FirstLineOptions {
  /** The line, including its `\n`, must fit in this many bytes. */
  readonly maxLineBytes: number;
  /** How long the peer has to send a complete line. */
  readonly timeoutMs: number;
  /** The server's timers (util/timers.ts). */
  readonly timers: Timers;
}

/** What came of waiting for the first line. */
export type FirstLineResult =
  /** A line (bytes without the `\n`; a `\r` before it is kept). `eof`: ended by the peer's FIN, not `\n`. */
  | { readonly kind: 'line'; readonly bytes: Buffer; readonly eof: boolean }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'too-long' }
  /** The peer closed (or errored) without sending any command byte. */
  | { readonly kind: 'closed' };

const NEWLINE = 0x0a;

function isLeadingWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

/** Accumulates chunks until a line, the limit, or the end. */
class LineAccumulator {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private started = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Adds a chunk; returns a result once one is decided, else undefined. */
  push(chunk: Buffer): FirstLineResult | undefined {
    let data = chunk;
    if (!this.started) {
      let i = 0;
      while (i < data.length && isLeadingWhitespace(data[i] as number)) i += 1;
      if (i === data.length) return undefined;
      this.started = true;
      data = data.subarray(i);
    }
    const room = this.maxLineBytes - this.length;
    const nl = data.subarray(0, room).indexOf(NEWLINE);
    if (nl >= 0) {
      this.chunks.push(data.subarray(0, nl));
      return { kind: 'line', bytes: Buffer.concat(this.chunks), eof: false };
    }
    if (data.length >= room) return { kind: 'too-long' };
    this.chunks.push(data);
    this.length += data.length;
    return undefined;
  }

  /** The peer sent FIN: what was buffered is the line, if anything. */
  end(): FirstLineResult {
    return this.started ? { kind: 'line', bytes: Buffer.concat(this.chunks), eof: true } : { kind: 'closed' };
  }
}

/**
 * Waits for the first line. Resolves once decided and never rejects; the socket's `data`
 * listener is removed by then (the caller decides what to do with further bytes).
 */
export function readFirstLine(socket: Socket, initial: Buffer, options: FirstLineOptions): Promise<FirstLineResult> {
  const acc = new LineAccumulator(options.maxLineBytes);
  const early = initial.length > 0 ? acc.push(initial) : undefined;
  if (early !== undefined) return Promise.resolve(early);
  if (socket.destroyed || socket.readableEnded) return Promise.resolve(acc.end()); // EOF came while sniffing
  return new Promise((resolve) => {
    const { timers } = options;
    const finish = (result: FirstLineResult): void => {
      timers.clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      socket.off('error', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      const result = acc.push(chunk);
      if (result !== undefined) finish(result);
    };
    const onEnd = (): void => finish(acc.end());
    const onClose = (): void => finish({ kind: 'closed' });
    const timer = timers.setTimeout(() => finish({ kind: 'timeout' }), options.timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onClose);
    socket.once('error', onClose);
    socket.resume();
  });
}
