/**
 * The JSON-RPC client (docs/reconnect.md, docs/reconnect.md): connect, `$/hello`, call / notify /
 * subscribe, and stay connected: when the connection drops it reconnects with backoff, says hello
 * again (re-subscribing every topic in the same request), flushes the calls that waited in the
 * bounded queue, and replays its spool of durable notifications.
 *
 * States (`status()` / the 'status' event): idle → connecting → ready ⇄ reconnecting → closed | failed.
 *
 * This file holds the public API and the ready path (a call or notification goes straight to the
 * session); the machinery lives beside it: `ClientConnector` (client-connector.ts) connects,
 * reconnects and closes, `CallSender` (call-sender.ts) sends what waited in the queue,
 * `DurableNotifier` (durable-notifier.ts) spools durable notifications, and client-events.ts
 * holds the events and how they are emitted.
 */
import type { ShmCounters as SharedMemoryStatus } from '../stream/binary/shm-link.js';
import { EventEmitter } from 'node:events';
import { SidewireError, createError } from '../errors.js';
import { observeCall } from '../observability/client-calls.js';
import type { DurableReceipt } from './durable/client-spool.js';
import { CallSender } from './call-sender.js';
import { ClientConnector } from './client-connector.js';
import { blockedError } from './client-errors.js';
import { emitSafely, reportError, type ClientEvents } from './client-events.js';
import { callTimeoutOf, validateClientOptions, type CallOptions, type ClientOptions, type NotifyOptions } from './client-options.js';
import { StatusFeed, type ClientStateName, type ClientStatus } from './client-status.js';
import { DurableNotifier } from './durable/durable-notifier.js';
import { EventHandlers, type EventHandler } from './event-handlers.js';
import { FlowControl } from './flow-control.js';
import type { HelloResult } from '../protocol/hello.js';
import type { RpcSession } from './rpc-session.js';
import type { CallArgs, MethodName, PatternPayload, ResultOf, ServiceShape, TopicPattern, UntypedService } from '../protocol/service.js';
import { realTimers } from '../util/timers.js';
import { topicProblem } from '../protocol/topics.js';

export type { ClientCloseInfo, ClientEvents, ClientReconnectInfo } from './client-events.js';

/** A sidewire client: `connect()` (or `createClient()`) makes one; see the file comment for its states. */
export class Client<S extends ServiceShape = UntypedService> extends EventEmitter<ClientEvents> {
  private readonly options: ClientOptions;
  private readonly handlers = new EventHandlers();
  private readonly feed: StatusFeed;
  private readonly calls: CallSender;
  private readonly durable: DurableNotifier;
  private readonly flow: FlowControl;
  private readonly connector: ClientConnector;
  /** The session of the ready connection (set by the connector); the ready path reads it. */
  private session: RpcSession | undefined;

  constructor(options: ClientOptions = {}) {
    super();
    this.options = options;
    validateClientOptions(options); // a bad value fails here, not at every connection attempt
    const timers = options.timers ?? realTimers;
    this.feed = new StatusFeed({ state: 'idle', at: timers.now() });
    const readySession = (): RpcSession | undefined => (this.state === 'ready' && this.session?.isOpen === true ? this.session : undefined);
    this.calls = new CallSender(options, timers, {
      readySession,
      alive: () => this.state !== 'closed' && this.state !== 'failed',
      where: () => `${this.connector.endpoint || 'the server'} (${this.state})`,
    });
    this.durable = new DurableNotifier(options, { readySession, report: (err) => reportError(this, err), removed: () => this.flow.check() });
    this.flow = new FlowControl(options, { readySession, spooledBytes: () => this.durable.spooledBytes, emitDrain: () => emitSafely(this, () => this.emit('drain')) });
    this.connector = new ClientConnector({
      options,
      timers,
      feed: this.feed,
      handlers: this.handlers,
      calls: this.calls,
      durable: this.durable,
      flow: this.flow,
      emitter: this,
      useSession: (session) => {
        this.session = session;
      },
    });
  }

  /** The current state. */
  get state(): ClientStateName {
    return this.feed.value.state;
  }

  /** The current status with its reason (attempt, next delay, error code). */
  get currentStatus(): ClientStatus {
    return this.feed.value;
  }

  /** This connection's id from `$/hello` ('' before the first handshake). */
  get clientId(): string {
    return this.connector.hello?.clientId ?? '';
  }

  /** The clientId of the connection before the last reconnect. */
  get previousClientId(): string | undefined {
    return this.connector.previousClientId;
  }

  /** The `$/hello` result: server pid/ppid, name/version, capabilities. */
  get serverInfo(): HelloResult | undefined {
    return this.connector.hello;
  }

  /** The endpoint connected to, formatted ('' before the handshake). */
  get endpoint(): string {
    return this.connector.endpoint;
  }

  /** The wire mode of the current connection (`ClientOptions.mode`; `auto` resolves to binary or JSON). */
  get mode(): 'json' | 'binary' | 'lsp' | undefined {
    return this.session?.mode;
  }

  /**
   * Bytes of calls and notifications written and not yet taken by the OS, or (binary mode with the
   * shared-memory side channel) waiting for the server to make room in the ring: a producer of
   * many large notifications can wait while this is high (0 when not connected).
   */
  get bufferedBytes(): number {
    return this.session?.bufferedBytes ?? 0;
  }

  /**
   * The current connection's shared-memory side channel (docs/shared-memory.md): whether this
   * client's ring is in use (`outgoing: 'on'`), whether it mapped the server's, and how many frames
   * went each way through them. Undefined in JSON mode or when none was negotiated.
   */
  get sharedMemory(): SharedMemoryStatus | undefined {
    return this.session?.sharedMemory;
  }

  /** True while the byte stream is open. */
  get isConnected(): boolean {
    return this.state === 'ready' && this.session?.isOpen === true;
  }

  /** True after `$/hello` succeeded and until the connection drops. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Calls and notifications waiting for the connection. */
  get queued(): number {
    return this.calls.size;
  }

  /** Status changes, starting with the current one; ends after `closed` or `failed`. */
  status(): AsyncIterableIterator<ClientStatus> {
    return this.feed.iterate();
  }

  /**
   * Connects and says hello; the first failure rejects (later losses reconnect). `connect()`
   * calls this; call it yourself only on a `new Client()`.
   * @throws ConnectionError, TimeoutError, EndpointError
   */
  async open(): Promise<this> {
    this.assertIdle('open');
    await this.connector.open();
    return this;
  }

  /**
   * Starts connecting in the background and returns at once: calls wait in the queue, failed
   * attempts are retried on the backoff schedule. `createClient()` calls this.
   */
  start(): this {
    this.assertIdle('start');
    this.connector.start();
    return this;
  }

  /**
   * Calls a method. While the client is not ready the call waits in the queue. Rejects with
   * ResponseError (server error), TimeoutError ERR_TIMEOUT, ConnectionError ERR_CONNECTION_LOST
   * (sent, then the connection dropped; see `idempotent`), ERR_QUEUE_FULL, ERR_CLIENT_FAILED,
   * ERR_CONNECTION_CLOSED, or the abort signal's reason.
   */
  call<K extends MethodName<S>>(method: K, ...args: CallArgs<S, K, CallOptions>): Promise<ResultOf<S, K>> {
    const [params, options] = args as [unknown, CallOptions | undefined];
    return observeCall(this.request(method, params, options), this.options.metrics, options?.signal) as Promise<ResultOf<S, K>>;
  }

  /**
   * Sends a notification. Plain: fire and forget (queued while not ready; throws ERR_QUEUE_FULL
   * or a ConnectionError after close). Returns false, like `socket.write`, once the client holds
   * `highWaterMarkBytes` or more for the server, or is not ready: it was buffered, nothing is
   * dropped, slow down until `drained()` / 'drain' (docs/protocol.md "Backpressure"). Throws
   * ERR_QUEUE_FULL at `maxBufferedBytes`. Durable (`{ durable: true }` or the `spool` option):
   * spooled to a file first, then delivered; with `{ durable: true }` it resolves once the
   * server acknowledged it or it is safely in the spool (`delivered` says which).
   */
  notify(method: string, params: unknown, options: NotifyOptions & { durable: true }): Promise<DurableReceipt>;
  notify(method: string, params?: unknown, options?: NotifyOptions): boolean;
  notify(method: string, params?: unknown, options?: NotifyOptions): boolean | Promise<DurableReceipt> {
    const spoolAll = this.options.spool !== undefined && this.options.spool !== false;
    if (options?.durable ?? spoolAll) {
      const receipt = this.durable.notify(method, params);
      if (options?.durable === true) return receipt;
      receipt.catch((err: unknown) => reportError(this, err));
      return this.flow.afterSend();
    }
    const blocked = this.blockedError(method);
    if (blocked !== undefined) throw blocked;
    const session = this.session;
    if (session?.isOpen === true && this.state === 'ready') {
      const full = this.flow.overLimit(method, session);
      if (full !== undefined) throw full;
      session.notify(method, params);
      return this.flow.sentOn(session);
    }
    const full = this.calls.queueNotification(method, params);
    if (full !== undefined) throw full;
    return this.flow.afterSend();
  }

  /**
   * `notify()` that waits for room first: resolves once the notification was handed over (the
   * client was ready and below `highWaterMarkBytes`). Rejects like `drained()` and `notify()`.
   */
  async send(method: string, params?: unknown): Promise<void> {
    if (!this.flow.hasRoom) await this.drained();
    this.notify(method, params);
  }

  /**
   * Resolves once the client is ready and holds less than `highWaterMarkBytes` for the server
   * (at once when it does). Rejects when the client closes or fails meanwhile (or already did).
   */
  drained(): Promise<void> {
    const blocked = this.blockedError('drained');
    if (blocked !== undefined) return Promise.reject(blocked);
    return this.flow.drained();
  }

  /**
   * Waits for the spool replay in progress (after a reconnect, or a durable notify) to end.
   * Resolves with the number of this client's durable notifications still in its spool file.
   */
  flushSpool(): Promise<number> {
    return this.durable.whenIdle();
  }

  /** Subscribes `handler` to a topic or a prefix pattern (`build.*`, `*`). Resolves once the server confirmed. */
  async subscribe<P extends TopicPattern<S>>(pattern: P, handler: (data: PatternPayload<S, P>, topic: string) => void): Promise<void> {
    const problem = topicProblem(pattern);
    if (problem !== undefined) {
      throw createError('ERR_INVALID_ARGUMENT', `cannot subscribe to ${JSON.stringify(pattern)}: ${problem}`, {
        fixes: ['use a topic such as "build.done" or a pattern such as "build.*"'],
      });
    }
    const blocked = this.blockedError('$/subscribe');
    if (blocked !== undefined) throw blocked;
    const h = handler as EventHandler;
    if (!this.handlers.add(pattern, h)) return;
    try {
      await this.request('$/subscribe', { topics: [pattern] }, { idempotent: true });
    } catch (err) {
      this.handlers.remove(pattern, h);
      throw err;
    }
  }

  /** Removes one handler (or all handlers of `pattern`); tells the server when none is left. */
  async unsubscribe(pattern: string, handler?: (data: never, topic: string) => void): Promise<void> {
    if (!this.handlers.remove(pattern, handler as EventHandler | undefined)) return;
    if (this.state !== 'ready' || this.session?.isOpen !== true) return; // the next hello leaves it out
    await this.session.request('$/unsubscribe', { topics: [pattern] }, { timeoutMs: callTimeoutOf(this.options) });
  }

  /** Closes the connection and stops reconnecting; waiting and pending calls reject with ERR_CONNECTION_CLOSED. Idempotent. */
  close(): Promise<void> {
    return this.connector.close();
  }

  // ---- calls -------------------------------------------------------------------------------

  private request(method: string, params: unknown, options: CallOptions | undefined): Promise<unknown> {
    const blocked = this.blockedError(method);
    if (blocked !== undefined) return Promise.reject(blocked);
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    const session = this.session;
    if (options?.idempotent !== true && this.state === 'ready' && session?.isOpen === true) {
      // The hot path: ready and nothing to retry, so the session's promise is the call's (no queue entry).
      const timeoutMs = options?.timeoutMs ?? callTimeoutOf(this.options);
      return session.request(method, params, { timeoutMs: timeoutMs > 0 ? timeoutMs : 0, signal });
    }
    return this.calls.call(method, params, options);
  }

  /** Why a call cannot even wait in the queue, or undefined (always while ready). */
  private blockedError(method: string): SidewireError | undefined {
    const status = this.feed.value;
    return status.state === 'ready' ? undefined : blockedError(status, method, this.connector.endpoint);
  }

  private assertIdle(what: string): void {
    if (this.state !== 'idle') {
      throw createError('ERR_INVALID_ARGUMENT', `${what}() called on a client that is ${this.state}`, {
        fixes: ['create a new client with connect() or createClient() for each connection'],
      });
    }
  }
}

/**
 * Connects to a sidewire server: resolves the endpoint (explicit > `<APP>_ENDPOINT` > discovery
 * file > platform default), connects, and says `$/hello` (with the token when one is known).
 * Later losses reconnect (see `reconnect`).
 * @throws ConnectionError ERR_NOT_RUNNING when nobody listens, ERR_HANDSHAKE when hello fails;
 *   TimeoutError ERR_TIMEOUT; EndpointError for a bad endpoint
 */
export async function connect<S extends ServiceShape = UntypedService>(options: ClientOptions = {}): Promise<Client<S>> {
  return new Client<S>(options).open();
}

/**
 * A client that connects in the background and never throws for connection problems: calls
 * wait in the queue until it is ready, failed attempts are retried on the backoff schedule
 * (`reconnect.maxAttempts`, then `failed`). Watch `client.status()`.
 */
export function createClient<S extends ServiceShape = UntypedService>(options: ClientOptions = {}): Client<S> {
  return new Client<S>(options).start();
}
