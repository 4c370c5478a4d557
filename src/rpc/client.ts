/**
 * The JSON-RPC client (DESIGN.md §6, docs/reconnect.md): connect, `$/hello`, call / notify /
 * subscribe, and stay connected: when the connection drops it reconnects with backoff, says hello
 * again (re-subscribing every topic in the same request), flushes the calls that waited in the
 * bounded queue, and replays its spool of durable notifications.
 *
 * States (`status()` / the 'status' event): idle → connecting → ready ⇄ reconnecting → closed | failed.
 */
import { EventEmitter } from 'node:events';
import { ConnectionError, SidewireError, isSidewireError } from '../errors.js';
import { publishClientConnect, publishClientState } from '../observability/channels.js';
import { observeCall } from '../observability/client-calls.js';
import { ClientSpool, type DurableReceipt, type SendDurable } from '../spool/client-spool.js';
import { clientDurablePaths } from '../spool/paths.js';
import { resolveBackoff } from './backoff.js';
import { CallQueue, type PendingCall } from './call-queue.js';
import { badDurableMethod, blockedError, clientFailedError, closedError, connectionLostError, lostDuringHandshake, notSentTimeout } from './client-errors.js';
import type { CallOptions, ClientOptions, NotifyOptions } from './client-options.js';
import { StatusFeed, reasonOf, type ClientStateName, type ClientStatus } from './client-status.js';
import { EventHandlers, type EventHandler } from './event-handlers.js';
import { handshake, type Handshake } from './handshake.js';
import type { StreamCloseInfo } from './message-stream.js';
import { Reconnector } from './reconnector.js';
import type { HelloResult } from './reserved-methods.js';
import type { ResponseError } from './response-error.js';
import type { RpcSession, SessionHandlers } from './rpc-session.js';
import type { CallArgs, MethodName, PatternPayload, ResultOf, ServiceShape, TopicPattern, UntypedService } from './service.js';
import { realTimers, type Timers } from './timers.js';
import { topicProblem } from './topics.js';

/** Why a client closed. */
export interface ClientCloseInfo {
  /** `closed`: close() was called; `lost`: the connection dropped and the client gave up (or does not reconnect). */
  readonly reason: 'closed' | 'lost';
  readonly error?: Error;
}

/** A reconnection: the client said hello again on a new connection. */
export interface ClientReconnectInfo {
  readonly clientId: string;
  readonly previousClientId: string | undefined;
  readonly endpoint: string;
  /** Reconnections so far (1 for the first). */
  readonly reconnects: number;
}

export interface ClientEvents {
  /** A server event (notification): topic and payload. */
  event: [topic: string, data: unknown];
  /** Every state change (also available as `for await (const s of client.status())`). */
  status: [status: ClientStatus];
  /** Ready again after a lost connection. */
  reconnect: [info: ClientReconnectInfo];
  /** The client closed for good (once): close() was called, or it gave up reconnecting. */
  close: [info: ClientCloseInfo];
  /** An error without a call to reject (event handler threw, server sent an id-less error). Emitted only when listened to. */
  error: [error: Error];
}

interface Attempt {
  readonly h: Handshake;
  /** The patterns sent in this hello. */
  readonly subscribed: readonly string[];
}

export class Client<S extends ServiceShape = UntypedService> extends EventEmitter<ClientEvents> {
  private readonly options: ClientOptions;
  private readonly timers: Timers;
  private readonly handlers = new EventHandlers();
  private readonly queue: CallQueue;
  private readonly feed: StatusFeed;
  private readonly reconnector: Reconnector<Attempt>;
  private spooler: ClientSpool | undefined;
  private session: RpcSession | undefined;
  private hello: HelloResult | undefined;
  private previousId: string | undefined;
  private reconnects = 0;
  private connectedTo = '';
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private closingSession: RpcSession | undefined;

  constructor(options: ClientOptions = {}) {
    super();
    this.options = options;
    this.timers = options.timers ?? realTimers;
    this.feed = new StatusFeed({ state: 'idle', at: this.timers.now() });
    this.queue = new CallQueue(options.queue ?? {}, this.timers, () => `${this.connectedTo || 'the server'} (${this.state})`);
    this.reconnector = new Reconnector<Attempt>(resolveBackoff(options.reconnect), this.timers, {
      attempt: () => this.attempt(),
      connected: (a) => {
        if (!this.connected(a)) this.afterLostHandshake(a);
      },
      discard: (a) => a.h.session.close(),
      giveUp: (err, attempts) => this.fail(err, attempts),
      status: (s) => this.setStatus(s),
      endpoint: () => this.connectedTo,
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
    return this.hello?.clientId ?? '';
  }

  /** The clientId of the connection before the last reconnect. */
  get previousClientId(): string | undefined {
    return this.previousId;
  }

  /** The `$/hello` result: server pid/ppid, name/version, capabilities. */
  get serverInfo(): HelloResult | undefined {
    return this.hello;
  }

  /** The endpoint connected to, formatted ('' before the handshake). */
  get endpoint(): string {
    return this.connectedTo;
  }

  /** The wire mode of the current connection (`ClientOptions.mode`; `auto` resolves to binary or JSON). */
  get mode(): 'json' | 'binary' | undefined {
    return this.session?.mode;
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
    return this.queue.size;
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
    this.setStatus({ state: 'connecting', at: this.timers.now(), attempt: 0 });
    let a: Attempt;
    try {
      a = await this.attempt();
    } catch (err) {
      if (this.state === 'connecting') this.fail(err, 0, false);
      throw err;
    }
    if (this.state !== 'connecting') {
      a.h.session.close(); // close() was called while connecting
      throw new ConnectionError('ERR_CONNECTION_CLOSED', 'the client was closed while it was connecting', {
        fixes: ['do not call close() before connect() resolved, or ignore this error'],
      });
    }
    if (!this.connected(a)) {
      const err = lostDuringHandshake(a.h.endpoint);
      this.fail(err, 0, false);
      throw err;
    }
    return this;
  }

  /**
   * Starts connecting in the background and returns at once: calls wait in the queue, failed
   * attempts are retried on the backoff schedule. `createClient()` calls this.
   */
  start(): this {
    this.assertIdle('start');
    this.reconnector.connectNow();
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
   * or a ConnectionError after close). Durable (`{ durable: true }` or the `spool` option):
   * spooled to a file first, then delivered; resolves once the server acknowledged it or it is
   * safely in the spool (`delivered` says which).
   */
  notify(method: string, params: unknown, options: NotifyOptions & { durable: true }): Promise<DurableReceipt>;
  notify(method: string, params?: unknown, options?: NotifyOptions): void;
  notify(method: string, params?: unknown, options?: NotifyOptions): void | Promise<DurableReceipt> {
    const spoolAll = this.options.spool !== undefined && this.options.spool !== false;
    if (options?.durable ?? spoolAll) {
      const receipt = this.notifyDurable(method, params);
      if (options?.durable === true) return receipt;
      receipt.catch((err: unknown) => this.report(err));
      return;
    }
    const blocked = this.blockedError(method);
    if (blocked !== undefined) throw blocked;
    if (this.session?.isOpen === true && this.state === 'ready') {
      this.session.notify(method, params);
      return;
    }
    const full = this.queue.add({ kind: 'notify', method, params });
    if (full !== undefined) throw full;
  }

  /**
   * Waits for the spool replay in progress (after a reconnect, or a durable notify) to end.
   * Resolves with the number of this client's durable notifications still in its spool file.
   */
  flushSpool(): Promise<number> {
    return this.spooler?.whenIdle() ?? Promise.resolve(0);
  }

  /** Subscribes `handler` to a topic or a prefix pattern (`build.*`, `*`). Resolves once the server confirmed. */
  async subscribe<P extends TopicPattern<S>>(pattern: P, handler: (data: PatternPayload<S, P>, topic: string) => void): Promise<void> {
    const problem = topicProblem(pattern);
    if (problem !== undefined) {
      throw new SidewireError('ERR_INVALID_ARGUMENT', `cannot subscribe to ${JSON.stringify(pattern)}: ${problem}`, {
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
    await this.session.request('$/unsubscribe', { topics: [pattern] }, { timeoutMs: this.callTimeout() });
  }

  /** Closes the connection and stops reconnecting; waiting and pending calls reject with ERR_CONNECTION_CLOSED. Idempotent. */
  close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'failed') return this.closedPromise ?? Promise.resolve();
    this.reconnector.stop();
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      this.closingSession = session;
      this.closedPromise = new Promise((resolve) => {
        this.resolveClosed = resolve;
      });
    }
    this.finish({ reason: 'closed' });
    session?.close();
    return this.closedPromise ?? Promise.resolve();
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
      const timeoutMs = options?.timeoutMs ?? this.callTimeout();
      return session.request(method, params, { timeoutMs: timeoutMs > 0 ? timeoutMs : 0, signal });
    }
    return new Promise((resolve, reject) => {
      const entry: PendingCall = {
        kind: 'call',
        method,
        params,
        timeoutMs: options?.timeoutMs ?? this.callTimeout(),
        startedAt: this.timers.now(),
        signal,
        idempotent: options?.idempotent === true,
        retried: false,
        resolve,
        reject,
      };
      this.dispatch(entry, false);
    });
  }

  private dispatch(entry: PendingCall, front: boolean): void {
    if (this.state === 'ready' && this.session?.isOpen === true) this.send(entry, this.session);
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
      const alive = this.state !== 'closed' && this.state !== 'failed';
      if (alive && entry.idempotent && !entry.retried && isSidewireError(err, 'ERR_CONNECTION_LOST')) {
        entry.retried = true;
        this.dispatch(entry, true);
      } else entry.reject(err);
    });
  }

  /** Sends everything that waited, in order. */
  private flush(session: RpcSession): void {
    for (const entry of this.queue.drain()) {
      if (entry.kind === 'call') this.send(entry, session);
      else session.notify(entry.method, entry.params);
    }
  }

  private notifyDurable(method: string, params: unknown): Promise<DurableReceipt> {
    if (typeof method !== 'string' || method === '' || method.startsWith('$/')) {
      return Promise.reject(badDurableMethod(method));
    }
    try {
      return this.spool().notify(method, params, this.durableSender());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private spool(): ClientSpool {
    const o = this.options.spool;
    this.spooler ??= new ClientSpool(clientDurablePaths(this.options), typeof o === 'object' ? o : {}, (err) => {
      if (!isSidewireError(err, 'ERR_CONNECTION_LOST') && !isSidewireError(err, 'ERR_CONNECTION_CLOSED')) this.report(err);
    });
    return this.spooler;
  }

  /** Sends a batch over the current connection, or undefined when not ready. */
  private durableSender(): SendDurable | undefined {
    const session = this.session;
    if (this.state !== 'ready' || session?.isOpen !== true) return undefined;
    return (messages) => session.request('$/durable', { messages }, { timeoutMs: this.callTimeout() });
  }

  // ---- connection lifecycle ----------------------------------------------------------------

  private async attempt(): Promise<Attempt> {
    const subscribed = this.handlers.patterns();
    const link: { session?: RpcSession } = {};
    const h = await handshake(this.options, this.sessionHandlers(link), subscribed);
    link.session = h.session;
    return { h, subscribed };
  }

  /** The server closed the connection right after its hello reply: count it as a failed attempt. */
  private afterLostHandshake(a: Attempt): void {
    const err = lostDuringHandshake(a.h.endpoint);
    if (this.reconnector.enabled) this.reconnector.lost(err);
    else this.fail(err, 0);
  }

  /** A successful handshake: ready (false when its connection already closed). */
  private connected({ h, subscribed }: Attempt): boolean {
    const reconnect = this.hello !== undefined;
    const previous = this.hello?.clientId;
    this.connectedTo = h.endpoint;
    if (!h.session.isOpen) return false;
    this.hello = h.hello;
    this.session = h.session;
    // Topics subscribed while the hello was in flight.
    const sent = new Set(subscribed);
    const missing = this.handlers.patterns().filter((p) => !sent.has(p));
    if (missing.length > 0) {
      h.session.request('$/subscribe', { topics: missing }, { timeoutMs: this.callTimeout() }).catch((err: unknown) => this.report(err));
    }
    this.flush(h.session);
    if (reconnect) {
      this.reconnects++;
      this.options.metrics?.reconnected();
      this.previousId = previous;
    }
    const clientId = h.hello.clientId;
    this.setStatus({ state: 'ready', at: this.timers.now(), endpoint: h.endpoint, clientId, previousClientId: this.previousId, reconnects: this.reconnects });
    publishClientConnect({ endpoint: h.endpoint, clientId });
    this.options.logger?.info({ clientId, endpoint: h.endpoint, reconnects: this.reconnects }, reconnect ? 'reconnected' : 'connected');
    if (reconnect && this.state === 'ready') {
      this.safeEmit(() => this.emit('reconnect', { clientId, previousClientId: previous, endpoint: h.endpoint, reconnects: this.reconnects }));
    }
    const send = this.durableSender();
    if (send !== undefined) this.spooler?.replay(send);
    return true;
  }

  /** Handlers of one attempt's session; `link.session` is set once its handshake succeeded. */
  private sessionHandlers(link: { session?: RpcSession }): SessionHandlers {
    return {
      onNotification: (topic, data) => this.onEvent(topic, data),
      onPeerError: (error: ResponseError) => this.report(error),
      onClose: (info: StreamCloseInfo) => {
        if (link.session !== undefined) this.connectionLost(link.session, info);
      },
    };
  }

  private connectionLost(session: RpcSession, info: StreamCloseInfo): void {
    if (session === this.closingSession) {
      this.closingSession = undefined;
      this.resolveClosed?.();
      return;
    }
    if (session !== this.session || this.state !== 'ready') return; // an old or discarded session
    this.session = undefined;
    const error = connectionLostError(this.connectedTo, info.error);
    this.options.logger?.warn({ clientId: this.hello?.clientId, endpoint: this.connectedTo, err: info.error ?? null }, 'connection lost');
    if (!this.reconnector.enabled) {
      this.finish({ reason: 'lost', error });
      return;
    }
    this.reconnector.lost(error);
  }

  /** Gave up: every waiting call fails with ERR_CLIENT_FAILED. */
  private fail(err: unknown, attempts: number, emitClose = true): void {
    this.reconnector.stop();
    const error = clientFailedError(this.connectedTo, attempts, err);
    this.setStatus({ state: 'failed', at: this.timers.now(), attempts, reason: reasonOf(err) });
    this.options.logger?.error({ endpoint: this.connectedTo, attempts, err: error }, 'gave up connecting');
    this.queue.rejectAll(() => error);
    this.spooler?.stop();
    if (emitClose) this.safeEmit(() => this.emit('close', { reason: 'lost', error }));
  }

  private finish(info: ClientCloseInfo): void {
    this.setStatus({ state: 'closed', at: this.timers.now(), reason: info.reason, ...(info.error ? { error: reasonOf(info.error) } : {}) });
    const lost = info.error;
    this.queue.rejectAll((method) => (lost !== undefined ? this.blockedError(method) ?? lost : closedError(method)));
    this.spooler?.stop();
    this.safeEmit(() => this.emit('close', info));
  }

  private setStatus(status: ClientStatus): void {
    const from = this.feed.value.state;
    this.feed.push(status);
    publishClientState({ endpoint: this.connectedTo, from, to: status.state });
    this.safeEmit(() => this.emit('status', status));
  }

  /** Why a call cannot even wait in the queue, or undefined. */
  private blockedError(method: string): SidewireError | undefined {
    return blockedError(this.feed.value, method, this.connectedTo);
  }

  private assertIdle(what: string): void {
    if (this.state !== 'idle') {
      throw new SidewireError('ERR_INVALID_ARGUMENT', `${what}() called on a client that is ${this.state}`, {
        fixes: ['create a new client with connect() or createClient() for each connection'],
      });
    }
  }

  private callTimeout(): number {
    return this.options.callTimeoutMs ?? 30_000;
  }

  private onEvent(topic: string, data: unknown): void {
    for (const err of this.handlers.dispatch(topic, data)) this.report(err);
    this.safeEmit(() => this.emit('event', topic, data));
  }

  /** Runs user listeners; their exceptions go to 'error' (or are rethrown asynchronously). */
  private safeEmit(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', error);
        return;
      } catch (inner) {
        queueMicrotask(() => {
          throw inner;
        });
        return;
      }
    }
    // Nobody listens: an exception from user code surfaces like any uncaught callback error;
    // an id-less server error or a spool problem is only informative and is dropped.
    if (!(err instanceof Error && (err.name === 'ResponseError' || err instanceof SidewireError))) {
      queueMicrotask(() => {
        throw error;
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
