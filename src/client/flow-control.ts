/**
 * A client's backpressure, the Node way (docs/protocol.md "Backpressure"): `notify()` returns
 * false once what the client holds for the server passes the high-water mark — the connection's
 * buffered bytes (batched, in the socket, or waiting for shared-ring room) plus the durable
 * notifications in its spool not yet acknowledged. Nothing is dropped: false means "slow down".
 * `drained()` and the 'drain' event say when it fell below the mark again (only while ready: a
 * client that is not ready has nobody to drain to). Past a hard bound, `notify()` throws
 * ERR_QUEUE_FULL instead of buffering without limit.
 */
import { createError, type ConnectionError } from '../errors.js';
import type { RpcSession } from './rpc-session.js';

/**
 * Default high-water mark of a client: 256 KiB. Not more: a producer that honours `false` only
 * gives the event loop back when it sees it, and once the kernel's socket buffer (~208 KiB for a
 * unix socket on Linux) is full nothing more reaches the server until it does. With 1 MiB the
 * server sat idle while the producer filled the rest, then the producer while the server caught
 * up: one way 1.2 M msg/s (JSON) and 1.7 M (binary) against 1.3 M and 2.3 M with 256 KiB
 * (docs/benchmarks.md "One way").
 */
export const DEFAULT_CLIENT_HIGH_WATER_MARK = 256 * 1024;
/** Default hard bound on a client's buffered bytes: 64 MiB. */
export const DEFAULT_CLIENT_MAX_BUFFERED = 64 * 1024 * 1024;

/** What a `FlowControl` asks its client. */
export interface FlowHost {
  /** The session to send on now, or undefined while the client is not ready. */
  readySession(): RpcSession | undefined;
  /** Bytes of durable notifications spooled and not yet acknowledged (0 without a spool). */
  spooledBytes(): number;
  /** Emits the client's 'drain' event. */
  emitDrain(): void;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class FlowControl {
  /** Above this many bytes `notify()` returns false. */
  readonly highWaterMark: number;
  /** At this many buffered bytes `notify()` throws ERR_QUEUE_FULL. */
  readonly maxBuffered: number;
  private readonly host: FlowHost;
  /** A send returned false and 'drain' was not emitted since. */
  private needDrain = false;
  private waiters: Waiter[] = [];

  constructor(limits: { highWaterMarkBytes?: number | undefined; maxBufferedBytes?: number | undefined }, host: FlowHost) {
    this.highWaterMark = limits.highWaterMarkBytes ?? DEFAULT_CLIENT_HIGH_WATER_MARK;
    this.maxBuffered = limits.maxBufferedBytes ?? DEFAULT_CLIENT_MAX_BUFFERED;
    this.host = host;
  }

  /** Bytes held for the server: the connection's buffered bytes plus the unacknowledged spool. */
  get pressure(): number {
    return (this.host.readySession()?.bufferedBytes ?? 0) + this.host.spooledBytes();
  }

  /** True when a ready client is below the high-water mark (a send may go without waiting). */
  get hasRoom(): boolean {
    return this.host.readySession() !== undefined && this.pressure < this.highWaterMark;
  }

  /**
   * Before a plain notification on the ready connection: ERR_QUEUE_FULL when its buffered bytes
   * reached the hard bound (the notification is not sent), else undefined.
   */
  overLimit(method: string, session: RpcSession): ConnectionError | undefined {
    const buffered = session.bufferedBytes;
    if (buffered < this.maxBuffered) return undefined;
    return createError('ERR_QUEUE_FULL', `cannot send '${method}': ${buffered} bytes already wait to be written to the server (limit maxBufferedBytes ${this.maxBuffered})`, {
      fixes: [
        'honour backpressure: when notify() returns false, `await client.drained()` (or use `await client.send(method, params)`) before sending more',
        'check that the server reads its connection (`sidewire top`, `sidewire doctor`)',
        `or raise the client option maxBufferedBytes (now ${this.maxBuffered})`,
      ],
      details: { method, bufferedBytes: buffered, limit: this.maxBuffered },
    });
  }

  /** After a send on the ready connection's `session`: `afterSend` without looking the session up again (the hot path). */
  sentOn(session: RpcSession): boolean {
    return session.bufferedBytes + this.host.spooledBytes() < this.highWaterMark || this.afterSend();
  }

  /** After a send (or a queued one): its return value; false arms the 'drain' event. */
  afterSend(): boolean {
    if (this.hasRoom) return true;
    this.needDrain = true;
    this.arm();
    return false;
  }

  /** Resolves once the client is ready and below the high-water mark (at once when it is). */
  drained(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.arm();
    });
  }

  /** Something may have fallen (a ready connection, an acknowledged spool batch, a written batch). */
  check(): void {
    if (!this.needDrain && this.waiters.length === 0) return;
    if (this.host.readySession() === undefined) return; // the next ready checks again
    if (this.pressure >= this.highWaterMark) {
      this.arm();
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    if (this.needDrain) {
      this.needDrain = false;
      this.host.emitDrain();
    }
  }

  /** The client closed or failed: every `drained()` rejects with `error`; no 'drain' follows. */
  stop(error: Error): void {
    this.needDrain = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** Asks the connection to call `check` once its buffered bytes fell enough (the spool calls it itself). */
  private arm(): void {
    const session = this.host.readySession();
    const spooled = this.host.spooledBytes();
    if (session === undefined || spooled >= this.highWaterMark) return;
    session.whenBelow(this.highWaterMark - 1 - spooled, () => queueMicrotask(() => this.check())); // never inside a write
  }
}
