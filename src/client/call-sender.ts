/**
 * How a client's calls reach the server when they cannot go straight out: a call made while the
 * client is not ready waits in the `CallQueue` and is sent once it is ready; an idempotent call
 * whose connection dropped after it was sent goes back to the front of the queue and is sent once
 * more. A plain call on a ready client skips all of this (`Client` hands it to the session).
 */
import { isSidewireError, type ConnectionError } from '../errors.js';
import { CallQueue, type PendingCall } from './call-queue.js';
import { notSentTimeout } from './client-errors.js';
import { callTimeoutOf, type CallOptions, type ClientOptions } from './client-options.js';
import type { RpcSession } from './rpc-session.js';
import type { Timers } from '../util/timers.js';

/** What a `CallSender` asks its client. */
export interface CallSenderHost {
  /** The session to send on now, or undefined while the client is not ready. */
  readySession(): RpcSession | undefined;
  /** False once the client closed or failed: a call lost with its connection is then not retried. */
  alive(): boolean;
  /** The connection and the client's state, for messages, e.g. `unix:///run/x.sock (reconnecting)`. */
  where(): string;
}

/** Sends queued and retried calls (and queued plain notifications) for one client. */
export class CallSender {
  private readonly options: ClientOptions;
  private readonly timers: Timers;
  private readonly host: CallSenderHost;
  private readonly queue: CallQueue;

  constructor(options: ClientOptions, timers: Timers, host: CallSenderHost) {
    this.options = options;
    this.timers = timers;
    this.host = host;
    this.queue = new CallQueue(options.queue ?? {}, timers, () => host.where());
  }

  /** Calls and notifications waiting for the connection. */
  get size(): number {
    return this.queue.size;
  }

  /** A call that goes through the queue: sent now when ready, else once the client is ready. */
  call(method: string, params: unknown, options: CallOptions | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: PendingCall = {
        kind: 'call',
        method,
        params,
        timeoutMs: options?.timeoutMs ?? callTimeoutOf(this.options),
        startedAt: this.timers.now(),
        signal: options?.signal,
        idempotent: options?.idempotent === true,
        retried: false,
        resolve,
        reject,
      };
      this.dispatch(entry, false);
    });
  }

  /** Queues a plain notification; returns ERR_QUEUE_FULL for the caller to throw when it does not fit. */
  queueNotification(method: string, params: unknown): ConnectionError | undefined {
    return this.queue.add({ kind: 'notify', method, params });
  }

  /** Sends everything that waited, in order. */
  flush(session: RpcSession): void {
    for (const entry of this.queue.drain()) {
      if (entry.kind === 'call') this.send(entry, session);
      else session.notify(entry.method, entry.params);
    }
  }

  /** Rejects every waiting call with `make(method)` and drops every notification. */
  rejectAll(make: (method: string) => Error): void {
    this.queue.rejectAll(make);
  }

  private dispatch(entry: PendingCall, front: boolean): void {
    const session = this.host.readySession();
    if (session !== undefined) this.send(entry, session);
    else this.queue.add(entry, front);
  }

  private send(entry: PendingCall, session: RpcSession): void {
    let timeoutMs = 0;
    if (entry.timeoutMs > 0) {
      timeoutMs = entry.timeoutMs - (this.timers.now() - entry.startedAt);
      if (timeoutMs <= 0) {
        entry.reject(notSentTimeout(entry.method, entry.timeoutMs));
        return;
      }
    }
    session.request(entry.method, entry.params, { timeoutMs, signal: entry.signal }).then(entry.resolve, (err: unknown) => {
      if (this.host.alive() && entry.idempotent && !entry.retried && isSidewireError(err, 'ERR_CONNECTION_LOST')) {
        entry.retried = true;
        this.dispatch(entry, true);
      } else entry.reject(err);
    });
  }
}
