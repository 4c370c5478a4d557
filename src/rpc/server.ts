/**
 * The JSON-RPC server (DESIGN.md §3–4): one endpoint, many connections, methods, notifications,
 * events (publish/broadcast/notify), limits, and a graceful close.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { formatEndpoint } from '../endpoint/parse.js';
import { resolveEndpoint } from '../endpoint/resolve.js';
import { SidewireError } from '../errors.js';
import { listen } from '../transport/listen.js';
import type { Listener } from '../transport/types.js';
import { VERSION } from '../version.js';
import type { ClientInfo } from './client-info.js';
import { newClientId } from './client-id.js';
import { Connection, type ConnectionHost, type ReservedHandler } from './connection.js';
import { busyLine, endPolitely, routeConnection } from './connection-router.js';
import { type MethodOptions, type NotificationContext, type RequestContext } from './dispatch.js';
import { CatchAllMethodTable } from './catch-all-table.js';
import { DurableIngest } from '../spool/durable-ingest.js';
import type { MessageStream, StreamCloseInfo } from './message-stream.js';
import { notificationMessage } from './message.js';
import { NdjsonStream } from './ndjson-stream.js';
import { acceptBinaryPreface } from './binary-preface.js';
import { BinaryStream } from './binary-stream.js';
import { ServerTextMode, type TextAliasOptions } from '../text/server-text-mode.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { ModeHandlers } from './connection-router.js';
import { PreparedMessage } from './prepared-message.js';
import { createReservedMethods } from './reserved-methods.js';
import { ErrorCodes } from './response-error.js';
import { resolveLimits, type ResolvedLimits, type ServerOptions } from './server-options.js';
import type { EventName, EventOf, MethodName, ParamsOf, ResultOf, ServiceShape, UntypedService } from './service.js';
import { realTimers, type Timers } from './timers.js';
import { topicProblem } from './topics.js';
import type { HealthServer } from '../observability/health-server.js';
import type { ServerMetrics } from '../observability/metrics.js';
import { startServerHealth, type ServerHealthOptions } from '../observability/server-health.js';
import { createServerObserver, type ServerObserver } from '../observability/server-observer.js';
import { ServerVitals } from '../observability/server-vitals.js';

/** Where a reported error happened. */
export interface ErrorSite {
  readonly clientId?: string;
  readonly method?: string;
}

/** Events of `Server`. */
export interface ServerEvents {
  connect: [client: ClientInfo];
  disconnect: [client: ClientInfo, info: StreamCloseInfo];
  /** A handler threw a non-ResponseError, or the listener failed. Emitted only when listened to. */
  error: [error: Error, site: ErrorSite];
}

export interface CloseOptions {
  /**
   * How long in-flight requests may run before they are answered with -32005 and aborted.
   * @default 5000
   */
  readonly deadlineMs?: number;
}

/** A typed request handler for method `K` of service `S`. */
export type TypedHandler<S extends ServiceShape, K extends MethodName<S>> = (
  params: ParamsOf<S, K>,
  ctx: RequestContext,
) => ResultOf<S, K> | Promise<ResultOf<S, K>>;

export class Server<S extends ServiceShape = UntypedService> extends EventEmitter<ServerEvents> {
  readonly limits: ResolvedLimits;
  private readonly options: ServerOptions;
  private readonly timers: Timers;
  private readonly table = new CatchAllMethodTable();
  /** Durable notifications (docs/reconnect.md): `$/durable` and the spool dir; settings with the `durable` option (or `durable.configure(...)` before listen()). */
  readonly durable: DurableIngest;
  private readonly conns = new Map<string, Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly reservedMethods: Map<string, ReservedHandler>;
  /** The view of this server that connections get. */
  private readonly host: ConnectionHost;
  private readonly info: { name: string; version: string };
  private listener: Listener | undefined;
  /** Set by `rebind()`: replaces `options.endpoint`. */
  private endpointOverride: string | Endpoint | undefined;
  /** Text mode: WORD → method aliases (DESIGN.md §5). */
  readonly text: ServerTextMode;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  /** Metrics, diagnostics channels, logger. */
  private readonly observer: ServerObserver;
  private readonly vitals: ServerVitals;
  private healthServer: HealthServer | undefined;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.timers = options.timers ?? realTimers;
    this.info = { name: options.server?.name ?? options.app ?? 'sidewire', version: options.server?.version ?? VERSION };
    this.observer = createServerObserver(options);
    this.vitals = new ServerVitals({ closing: () => this.closing, connections: () => this.sockets.size, version: this.info.version, now: () => this.timers.now() });
    this.reservedMethods = createReservedMethods({
      token: () => this.listener?.token,
      server: this.info,
      capabilities: () => this.capabilities(),
      timers: this.timers,
    });
    this.reservedMethods.set('$/stats', () => this.vitals.stats(this.observer.metrics));
    this.durable = new DurableIngest({ timers: this.timers, table: this.table, report: (err, site) => this.report(err, site) });
    if (options.durable !== undefined) this.durable.configure(options.durable);
    this.reservedMethods.set('$/durable', (params, conn) => this.durable.handle(params, conn));
    this.host = {
      token: () => this.listener?.token,
      isClosing: () => this.closing,
      limits: this.limits,
      timers: this.timers,
      methods: this.table,
      reserved: (method) => this.reservedMethods.get(method),
      reportError: (err, site) => this.report(err, site),
      connectionClosed: (conn, info) => this.connectionClosed(conn, info),
      observer: this.observer,
    };
    this.text = new ServerTextMode(this.host, this.conns);
  }

  /** The real endpoint (with the real TCP port), formatted; '' before `listen()`. */
  get endpoint(): string {
    return this.listener === undefined ? '' : formatEndpoint(this.listener.endpoint);
  }

  /** The token clients must present, when one is required. */
  get token(): string | undefined {
    return this.listener?.token;
  }

  /** The discovery file, when one was written. */
  get discoveryPath(): string | undefined {
    return this.listener?.discoveryPath;
  }

  /** The Prometheus metrics (`metrics` option), e.g. for your own HTTP server: `await server.metrics.metrics()`. */
  get metrics(): ServerMetrics | undefined {
    return this.observer.metrics;
  }

  /** Base URL of the health server (`health` option), e.g. `http://127.0.0.1:9464`; undefined without one. */
  get healthUrl(): string | undefined {
    return this.healthServer?.url;
  }

  /** Registers a request handler (replacing one of the same name). Names starting with `$/` are reserved. */
  method<K extends MethodName<S>>(name: K, handler: TypedHandler<S, K>, options?: MethodOptions): this {
    this.table.addMethod(name, handler as (params: unknown, ctx: RequestContext) => unknown, options);
    return this;
  }

  /** Makes text-mode WORD (case-insensitive) run `method` with the line's args as params (DESIGN.md §5). */
  textCommand(word: string, method: MethodName<S>, options?: TextAliasOptions): this {
    this.text.alias(word, method, options);
    return this;
  }

  /** Registers a notification handler. */
  onNotification(method: string, handler: (params: unknown, ctx: NotificationContext) => void | Promise<void>): this {
    this.table.addNotification(method, handler);
    return this;
  }

  /** Registered method names with descriptions. */
  methods(): Array<{ name: string; description: string | undefined }> {
    return this.table.list();
  }

  /** Sends a notification to one client. False when it is gone, not authenticated, or the event was dropped. */
  notify(clientId: string, method: string, params?: unknown): boolean {
    const conn = this.conns.get(clientId);
    if (conn === undefined || !conn.authenticated) return false;
    return conn.stream.sendCall(undefined, method, params, 'event') === 'queued';
  }

  /** Sends a notification to every JSON/binary client. Returns how many it was queued for. */
  broadcast(method: string, params?: unknown): number {
    const msg = new PreparedMessage(notificationMessage(method, params));
    let n = 0;
    for (const conn of this.conns.values()) {
      if (conn.authenticated && conn.stream.send(msg, 'event') === 'queued') n++;
    }
    return n;
  }

  /** Publishes an event to the clients subscribed to `topic`. Returns how many it was queued for. */
  publish<T extends EventName<S>>(topic: T, data: EventOf<S, T>): number {
    const problem = topicProblem(topic);
    if (problem !== undefined || topic.endsWith('*')) {
      throw new SidewireError('ERR_INVALID_ARGUMENT', `cannot publish to ${JSON.stringify(topic)}: ${problem ?? 'a published topic cannot be a pattern'}`, {
        fixes: ['publish to a concrete topic such as "build.done"'],
      });
    }
    let msg: PreparedMessage | undefined;
    let n = 0;
    for (const conn of this.conns.values()) {
      if (!conn.authenticated || !conn.wants(topic)) continue;
      msg ??= new PreparedMessage(notificationMessage(topic, data));
      if (conn.stream.send(msg, 'event') === 'queued') n++;
    }
    return n;
  }

  /** Snapshots of the connected JSON/binary clients. */
  clients(): ClientInfo[] {
    return [...this.conns.values()].map((c) => c.info());
  }

  /** Sockets accepted and not yet closed, in any mode. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Starts listening. Called by `serve()`; call it yourself after `createServer()`. */
  async listen(): Promise<this> {
    if (this.listener !== undefined) return this;
    this.attach(await this.bind());
    if (this.options.health !== undefined) await this.startHealth(this.options.health);
    return this;
  }

  /** Starts the health server; when it cannot start, this server closes again and the error is thrown. */
  private async startHealth(options: ServerHealthOptions): Promise<void> {
    try {
      this.healthServer = await startServerHealth(options, { vitals: this.vitals, metrics: this.observer.metrics, logger: this.observer.logger });
    } catch (err) {
      await this.close({ deadlineMs: 0 });
      throw err;
    }
  }

  /**
   * Moves to another endpoint (resolved like the `endpoint` option; `'auto'` = env var or
   * default): binds the new one, then closes the old listener. Open connections stay. Before
   * `listen()` it only changes where `listen()` will bind. On failure nothing changes.
   */
  async rebind(endpoint: string | Endpoint): Promise<void> {
    if (this.closing) throw new SidewireError('ERR_SERVER_CLOSED', 'cannot rebind: the server is closing', { fixes: ['create a new server'] });
    const previous = this.endpointOverride;
    this.endpointOverride = endpoint;
    const old = this.listener;
    if (old === undefined) return;
    let next: Listener;
    try {
      next = await this.bind();
    } catch (err) {
      this.endpointOverride = previous;
      throw err;
    }
    this.attach(next);
    await old.close();
  }

  private async bind(): Promise<Listener> {
    const o = { ...this.options, endpoint: this.endpointOverride ?? this.options.endpoint };
    const app = o.app ?? 'sidewire';
    const resolved = resolveEndpoint({
      app,
      ...(o.name === undefined ? {} : { name: o.name }),
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      ...(o.envVar === undefined ? {} : { envVar: o.envVar }),
      ...(o.env === undefined ? {} : { env: o.env }),
      ...(o.allowRemote === undefined ? {} : { allowRemote: o.allowRemote }),
    });
    const warn = o.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'SIDEWIRE' }));
    for (const w of resolved.warnings) warn(w);
    const listener = await listen({
      endpoint: resolved.endpoint,
      runtimeDir: resolved.runtimeDir,
      name: resolved.name,
      endpointEnvVar: resolved.envVar,
      onWarning: warn,
      discoveryExtra: { server: this.info },
      ...(o.socketMode === undefined ? {} : { socketMode: o.socketMode }),
      ...(o.allowRemote === undefined ? {} : { allowRemote: o.allowRemote }),
      ...(o.portFallback === undefined ? {} : { portFallback: o.portFallback }),
      ...(o.requireToken === undefined ? {} : { requireToken: o.requireToken }),
      ...(o.discovery === undefined ? {} : { discovery: o.discovery }),
      ...(o.cleanupOnExit === undefined ? {} : { cleanupOnExit: o.cleanupOnExit }),
    });
    this.durable.start(resolved);
    return listener;
  }

  private attach(listener: Listener): void {
    this.listener = listener;
    listener.on('connection', (socket: Socket) => this.accept(socket));
    listener.on('error', (err: Error) => this.report(err, {}));
  }

  /**
   * Graceful close: stop accepting, let in-flight requests finish up to the deadline (new ones get
   * -32005), answer the rest with -32005 and abort them, then close connections and the listener.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closePromise ??= this.shutdown(options.deadlineMs ?? 5000);
    return this.closePromise;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.closing = true;
    const listenerClosed = this.listener?.close() ?? Promise.resolve();
    const conns = [...this.conns.values()];
    await this.within(deadlineMs, Promise.all(conns.map((c) => c.whenIdle())));
    for (const c of conns) c.abortAll(ErrorCodes.Busy, 'server busy: shut down before the request finished');
    await this.within(100, Promise.all(conns.map((c) => c.whenIdle())));
    for (const c of conns) c.close();
    await this.within(2000, Promise.all([...this.sockets].map(waitClosed)));
    for (const s of this.sockets) s.destroy();
    await listenerClosed;
    await this.within(2000, this.durable.stop());
    await this.healthServer?.close(); // last: /health answers 503 until the end
  }

  /** Waits for `work`, at most `ms`. */
  private async within(ms: number, work: Promise<unknown>): Promise<void> {
    let timer: ReturnType<Timers['setTimeout']> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(resolve, ms);
      timer.ref?.(); // close() is awaited: its deadline must keep the process alive
    });
    await Promise.race([work, deadline]);
    if (timer !== undefined) this.timers.clearTimeout(timer);
  }

  private capabilities(): Record<string, unknown> {
    const modes = ['json', 'binary'];
    const handlers = this.modeHandlers();
    if (handlers.text !== undefined) modes.push('text');
    return {
      modes,
      batch: true,
      cancel: true,
      subscribe: true,
      maxMessageBytes: this.limits.maxMessageBytes,
      maxInFlight: this.limits.maxInFlight,
      requestTimeoutMs: this.limits.requestTimeoutMs,
    };
  }

  private accept(socket: Socket): void {
    socket.on('error', () => undefined); // errors surface as 'close'; never crash the server
    // Keep our side writable after the peer's EOF, so `printf '{...}\n' | socat - UNIX:...` gets its reply.
    socket.allowHalfOpen = true;
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= this.limits.maxConnections) {
      this.observer.connectionRefused('limit', { limit: this.limits.maxConnections });
      endPolitely(socket, this.timers, busyLine(this.limits.maxConnections));
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const { helloTimeoutMs, idleTimeoutMs } = this.limits;
    const positive = [helloTimeoutMs, idleTimeoutMs].filter((ms) => ms > 0);
    routeConnection(socket, {
      json: (s, initial) => this.startJson(s, initial),
      binary: (s, initial) => this.startBinary(s, initial),
      modeHandlers: this.modeHandlers(),
      sniffTimeoutMs: positive.length > 0 ? Math.min(...positive) : 0,
      timers: this.timers,
      observe: (mode, s, chunk) => this.observer.routed(mode, s, chunk),
    });
  }

  /** The custom mode handlers, plus the text mode once it has aliases (a custom text handler wins). */
  private modeHandlers(): ModeHandlers {
    const custom = this.options.modeHandlers ?? {};
    return custom.text !== undefined || !this.text.enabled ? custom : { ...custom, text: this.text.handle };
  }

  private startJson(socket: Socket, initial: Buffer): void {
    const stream = new NdjsonStream(socket, {
      initial,
      maxMessageBytes: this.limits.maxMessageBytes,
      highWaterMarkBytes: this.limits.highWaterMarkBytes,
      slowConsumer: this.limits.slowConsumer,
      timers: this.timers,
    });
    this.startConnection(stream);
  }

  /** Binary mode (docs/protocol.md): checks the client's preface, then serves it like JSON mode. */
  private startBinary(socket: Socket, initial: Buffer): void {
    acceptBinaryPreface(socket, initial, {
      timers: this.timers,
      onAccepted: (s, rest) => {
        this.startConnection(new BinaryStream(s, {
          initial: rest,
          maxMessageBytes: this.limits.maxMessageBytes,
          highWaterMarkBytes: this.limits.highWaterMarkBytes,
          slowConsumer: this.limits.slowConsumer,
          timers: this.timers,
        }));
      },
    });
  }

  private startConnection(stream: MessageStream): void {
    const conn = new Connection(this.host, stream, newClientId(this.conns));
    this.conns.set(conn.clientId, conn);
    this.observer.clientConnected(conn.clientId, stream.mode);
    conn.start();
    if (this.conns.get(conn.clientId) === conn) this.emit('connect', conn.info());
  }

  private report(err: unknown, site: ErrorSite): void {
    this.observer.serverError(err, site.clientId === undefined ? 'listener' : 'handler', site.clientId);
    if (this.listenerCount('error') === 0) return;
    this.emit('error', err instanceof Error ? err : new Error(String(err)), site);
  }

  private connectionClosed(conn: Connection, info: StreamCloseInfo): void {
    if (this.conns.get(conn.clientId) !== conn) return;
    this.conns.delete(conn.clientId);
    this.observer.clientDisconnected(conn.clientId, conn.stream.mode, this.timers.now() - conn.connectedAt, { ...info, serverClosing: this.closing });
    this.emit('disconnect', conn.info(), info);
  }
}

function waitClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A server that is not listening yet: register methods, then `await server.listen()`. */
export function createServer<S extends ServiceShape = UntypedService>(options: ServerOptions = {}): Server<S> {
  return new Server<S>(options);
}

/**
 * Resolves the endpoint (explicit > `<APP>_ENDPOINT` > platform default), listens, writes the
 * discovery file, and serves JSON-RPC on it. Register methods on the returned server; for methods
 * that must exist before the first client can connect, use `createServer` + `listen`.
 * @throws EndpointError for a bad, unsafe or busy endpoint
 */
export async function serve<S extends ServiceShape = UntypedService>(options: ServerOptions = {}): Promise<Server<S>> {
  return new Server<S>(options).listen();
}
