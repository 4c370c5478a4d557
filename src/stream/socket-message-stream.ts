/**
 * What the NDJSON and binary message streams share: the socket's lifecycle. Open until the socket
 * closes or `close()`/`destroy()` is called; `close()` ends the writer and then the socket
 * politely (after a grace period for the peer to close its side); `onClose` is reported once, with
 * the error that closed the socket, if any. Each subclass brings its framing (`start`, `send`,
 * `sendCall`) and its writer.
 */
import type { Socket } from 'node:net';
import type { MessageStreamHandlers, StreamCloseInfo } from './message-stream.js';
import { realTimers, type TimerHandle, type Timers } from '../util/timers.js';

/** What a stream needs of its writer (SocketWriter, BinaryWriter). */
export interface StreamWriter {
  /** Bytes queued by the writer plus bytes the socket has not yet handed to the OS. */
  readonly bufferedBytes: number;
  /** Events dropped because the peer did not read fast enough. */
  readonly droppedEvents: number;
  /** Messages queued for the peer so far. */
  readonly messagesSent: number;
  /** Writes what is queued, then ends the socket's writable side. */
  end(): void;
  /** Calls `callback` once the buffered bytes are at or below `limit` (one waiter; `undefined` removes it). */
  whenBelow(limit: number, callback: (() => void) | undefined): void;
}

/** Options both streams take. */
export interface SocketStreamOptions {
  /**
   * After `close()`, destroy the socket if the peer has not closed its side within this long.
   * 0 = destroy as soon as everything queued was handed to the OS (clients: nothing to wait for).
   * @default 2000
   */
  readonly closeGraceMs?: number;
  /**
   * Timer functions.
   * @default real, unref()'d timers
   */
  readonly timers?: Timers;
}

export abstract class SocketMessageStream {
  protected readonly socket: Socket;
  protected readonly timers: Timers;
  protected abstract readonly writer: StreamWriter;
  protected handlers: MessageStreamHandlers | undefined;
  /** False once `close()`/`destroy()` was called or the socket closed. */
  protected open = true;
  /** The error that will be reported with the close (the socket's, or why sidewire closed it). */
  protected lastError: Error | undefined;
  private readonly closeGraceMs: number;
  private closedNotified = false;
  private graceTimer: TimerHandle | undefined;

  constructor(socket: Socket, options: SocketStreamOptions) {
    this.socket = socket;
    this.timers = options.timers ?? realTimers;
    this.closeGraceMs = options.closeGraceMs ?? 2000;
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('close', (hadError) => this.notifyClose(hadError));
  }

  /** Bytes read from the socket so far (the socket's own count; for `ClientInfo.bytesIn`). */
  get bytesIn(): number {
    return this.socket.bytesRead;
  }

  /** Messages queued for the peer so far (for `ClientInfo.messagesOut`). */
  get messagesOut(): number {
    return this.writer.messagesSent;
  }

  /** Bytes handed to the socket so far (the socket's own count; for `ClientInfo.bytesOut`). */
  get bytesOut(): number {
    return this.socket.bytesWritten;
  }

  get isOpen(): boolean {
    return this.open && !this.socket.destroyed;
  }

  get bufferedBytes(): number {
    return this.writer.bufferedBytes;
  }

  get droppedEvents(): number {
    return this.writer.droppedEvents;
  }

  /** Calls `callback` once `bufferedBytes` is at or below `limit` (one waiter; `undefined` removes it). */
  whenBelow(limit: number, callback: (() => void) | undefined): void {
    this.writer.whenBelow(limit, callback);
  }

  /** Flushes what is queued, then ends the byte stream politely. Idempotent. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.writer.end();
    this.graceTimer = endSocketAfterGrace(this.socket, this.closeGraceMs, this.timers);
  }

  /** Closes the byte stream now, dropping anything queued. Idempotent. */
  destroy(error?: Error): void {
    this.open = false;
    if (error !== undefined) this.lastError = error;
    this.socket.destroy();
  }

  /** The end of a subclass's `start()`: reading begins (and a socket that closed already is reported). */
  protected startReading(): void {
    this.socket.resume();
    if (this.socket.destroyed) this.notifyClose(this.lastError !== undefined);
  }

  private notifyClose(hadError: boolean): void {
    this.open = false;
    if (this.graceTimer !== undefined) this.timers.clearTimeout(this.graceTimer);
    if (this.closedNotified || this.handlers === undefined) return;
    this.closedNotified = true;
    this.handlers.onClose(closeInfo(hadError, this.lastError));
  }
}

/**
 * Ends `socket` politely after the caller ended its writer: once our bytes are out when the peer
 * already sent EOF (nothing more can come from it) or `graceMs` is 0, else after `graceMs`.
 * Returns the grace timer, which is cleared when the socket closes first.
 */
function endSocketAfterGrace(socket: Socket, graceMs: number, timers: Timers): TimerHandle | undefined {
  if (graceMs === 0 || socket.readableEnded) {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
    return undefined;
  }
  return timers.setTimeout(() => socket.destroy(), graceMs);
}

/** The close info reported to handlers: `hadError` also when sidewire closed it for a reason. */
function closeInfo(hadError: boolean, error: Error | undefined): StreamCloseInfo {
  return error === undefined ? { hadError } : { hadError: true, error };
}
