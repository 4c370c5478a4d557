/**
 * The JSON-RPC client (DESIGN.md §6): connect, `$/hello`, call / notify / subscribe.
 *
 * State machine (`state`): `idle` → `connecting` → `ready` → `closed`. A failed first connect
 * goes to `failed`. A later issue adds `reconnecting` between `ready` and `closed`, reusing
 * `handshake()` (one attempt) and the `EventHandlers` registry (re-subscribe).
 */
import { EventEmitter } from 'node:events';
import { ConnectionError, SidewireError } from '../errors.js';
import type { CallOptions, ClientOptions } from './client-options.js';
import { EventHandlers, type EventHandler } from './event-handlers.js';
import { handshake } from './handshake.js';
import type { StreamCloseInfo } from './message-stream.js';
import type { HelloResult } from './reserved-methods.js';
import type { ResponseError } from './response-error.js';
import type { RpcSession, SessionHandlers } from './rpc-session.js';
import type { CallArgs, MethodName, PatternPayload, ResultOf, ServiceShape, TopicPattern, UntypedService } from './service.js';
import { topicProblem } from './topics.js';

/** Why a client closed. */
export interface ClientCloseInfo {
  /** `closed`: close() was called; `lost`: the connection dropped. */
  readonly reason: 'closed' | 'lost';
  readonly error?: Error;
}

export interface ClientEvents {
  /** A server event (notification): topic and payload. */
  event: [topic: string, data: unknown];
  /** The client closed (once). */
  close: [info: ClientCloseInfo];
  /** An error without a call to reject (event handler threw, server sent an id-less error). Emitted only when listened to. */
  error: [error: Error];
}

export type ClientState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'ready'; readonly session: RpcSession }
  | { readonly kind: 'closed'; readonly info: ClientCloseInfo }
  | { readonly kind: 'failed'; readonly error: Error };

export class Client<S extends ServiceShape = UntypedService> extends EventEmitter<ClientEvents> {
  private readonly options: ClientOptions;
  private readonly handlers = new EventHandlers();
  private current: ClientState = { kind: 'idle' };
  private hello: HelloResult | undefined;
  private connectedTo = '';
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;

  constructor(options: ClientOptions = {}) {
    super();
    this.options = options;
  }

  /** The current state (kind). */
  get state(): ClientState['kind'] {
    return this.current.kind;
  }

  /** This connection's id from `$/hello` ('' before the handshake). */
  get clientId(): string {
    return this.hello?.clientId ?? '';
  }

  /** The `$/hello` result: server pid/ppid, name/version, capabilities. */
  get serverInfo(): HelloResult | undefined {
    return this.hello;
  }

  /** The endpoint connected to, formatted ('' before the handshake). */
  get endpoint(): string {
    return this.connectedTo;
  }

  /** True while the byte stream is open. */
  get isConnected(): boolean {
    return this.current.kind === 'ready' && this.current.session.isOpen;
  }

  /** True after `$/hello` succeeded and until the connection closes. */
  get isReady(): boolean {
    return this.current.kind === 'ready';
  }

  /**
   * Connects and says hello. `connect()` calls this; call it yourself only on a `new Client()`.
   * @throws ConnectionError, TimeoutError, EndpointError
   */
  async open(): Promise<this> {
    if (this.current.kind !== 'idle') {
      throw new SidewireError('ERR_INVALID_ARGUMENT', `open() called on a client that is ${this.current.kind}`, {
        fixes: ['create a new client with connect() for each connection'],
      });
    }
    this.current = { kind: 'connecting' };
    try {
      const h = await handshake(this.options, this.sessionHandlers(), this.handlers.patterns());
      if ((this.current as ClientState).kind !== 'connecting') {
        h.session.close(); // close() was called while connecting
        throw new ConnectionError('ERR_CONNECTION_CLOSED', 'the client was closed while it was connecting', {
          fixes: ['do not call close() before connect() resolved, or ignore this error'],
        });
      }
      this.hello = h.hello;
      this.connectedTo = h.endpoint;
      if (!h.session.isOpen) throw lostDuringHandshake(h.endpoint);
      this.current = { kind: 'ready', session: h.session };
      return this;
    } catch (err) {
      if (this.current.kind === 'connecting') this.current = { kind: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
      throw err;
    }
  }

  /**
   * Calls a method. Rejects with ResponseError (server error), TimeoutError ERR_TIMEOUT,
   * ConnectionError ERR_CONNECTION_LOST / ERR_CONNECTION_CLOSED, or the abort signal's reason.
   */
  call<K extends MethodName<S>>(method: K, ...args: CallArgs<S, K, CallOptions>): Promise<ResultOf<S, K>> {
    const [params, options] = args as [unknown, CallOptions | undefined];
    const session = this.sessionOrThrow(method);
    if (session instanceof Error) return Promise.reject(session);
    const timeoutMs = options?.timeoutMs ?? this.options.callTimeoutMs ?? 30_000;
    return session.request(method, params, { timeoutMs, signal: options?.signal }) as Promise<ResultOf<S, K>>;
  }

  /** Sends a notification (no reply). Throws ConnectionError when not connected. */
  notify(method: string, params?: unknown): void {
    const session = this.sessionOrThrow(method);
    if (session instanceof Error) throw session;
    session.notify(method, params);
  }

  /** Subscribes `handler` to a topic or a prefix pattern (`build.*`, `*`). Resolves once the server confirmed. */
  async subscribe<P extends TopicPattern<S>>(pattern: P, handler: (data: PatternPayload<S, P>, topic: string) => void): Promise<void> {
    const problem = topicProblem(pattern);
    if (problem !== undefined) {
      throw new SidewireError('ERR_INVALID_ARGUMENT', `cannot subscribe to ${JSON.stringify(pattern)}: ${problem}`, {
        fixes: ['use a topic such as "build.done" or a pattern such as "build.*"'],
      });
    }
    const session = this.sessionOrThrow('$/subscribe');
    if (session instanceof Error) throw session;
    const h = handler as EventHandler;
    if (!this.handlers.add(pattern, h)) return;
    try {
      await session.request('$/subscribe', { topics: [pattern] }, { timeoutMs: this.options.callTimeoutMs ?? 30_000 });
    } catch (err) {
      this.handlers.remove(pattern, h);
      throw err;
    }
  }

  /** Removes one handler (or all handlers of `pattern`); tells the server when none is left. */
  async unsubscribe(pattern: string, handler?: (data: never, topic: string) => void): Promise<void> {
    if (!this.handlers.remove(pattern, handler as EventHandler | undefined)) return;
    if (this.current.kind !== 'ready' || !this.current.session.isOpen) return;
    await this.current.session.request('$/unsubscribe', { topics: [pattern] }, { timeoutMs: this.options.callTimeoutMs ?? 30_000 });
  }

  /** Closes the connection; pending calls reject with ERR_CONNECTION_CLOSED. Idempotent. */
  close(): Promise<void> {
    if (this.current.kind === 'ready') {
      const { session } = this.current;
      this.closedPromise = new Promise((resolve) => {
        this.resolveClosed = resolve;
      });
      this.finish({ reason: 'closed' });
      session.close();
      return this.closedPromise;
    }
    if (this.current.kind !== 'closed') this.finish({ reason: 'closed' });
    return this.closedPromise ?? Promise.resolve();
  }

  private sessionOrThrow(method: string): RpcSession | ConnectionError {
    if (this.current.kind === 'ready') return this.current.session;
    if (this.current.kind === 'closed' && this.current.info.reason === 'lost') {
      return new ConnectionError('ERR_CONNECTION_LOST', `cannot call '${method}': the connection to ${this.connectedTo} was lost`, {
        fixes: ['check that the server is running (`sidewire doctor`), then connect again'],
        ...(this.current.info.error ? { cause: this.current.info.error } : {}),
      });
    }
    return new ConnectionError('ERR_CONNECTION_CLOSED', `cannot call '${method}': the client is ${this.current.kind}`, {
      fixes: [this.current.kind === 'closed' ? 'connect again with connect(); a closed client cannot be reused' : 'await connect() before calling'],
    });
  }

  private sessionHandlers(): SessionHandlers {
    return {
      onNotification: (topic, data) => this.onEvent(topic, data),
      onPeerError: (error: ResponseError) => this.report(error),
      onClose: (info: StreamCloseInfo) => {
        this.resolveClosed?.();
        if (this.current.kind === 'ready') this.finish({ reason: 'lost', ...(info.error ? { error: info.error } : {}) });
      },
    };
  }

  private finish(info: ClientCloseInfo): void {
    this.current = { kind: 'closed', info };
    this.safeEmit(() => this.emit('close', info));
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
    // an id-less server error is only informative and is dropped.
    if (!(err instanceof Error && err.name === 'ResponseError')) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function lostDuringHandshake(endpoint: string): ConnectionError {
  return new ConnectionError('ERR_CONNECTION_LOST', `the connection to ${endpoint} closed right after the handshake`, {
    fixes: ['check the server (`sidewire doctor`), then connect again'],
  });
}

/**
 * Connects to a sidewire server: resolves the endpoint (explicit > `<APP>_ENDPOINT` > discovery
 * file > platform default), connects, and says `$/hello` (with the token when one is known).
 * @throws ConnectionError ERR_NOT_RUNNING when nobody listens, ERR_HANDSHAKE when hello fails;
 *   TimeoutError ERR_TIMEOUT; EndpointError for a bad endpoint
 */
export async function connect<S extends ServiceShape = UntypedService>(options: ClientOptions = {}): Promise<Client<S>> {
  return new Client<S>(options).open();
}
