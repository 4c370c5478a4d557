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
import { MethodTable, type MethodOptions, type NotificationContext, type RequestContext } from './dispatch.js';
import type { StreamCloseInfo } from './message-stream.js';
import { notificationMessage } from './message.js';
import { NdjsonStream } from './ndjson-stream.js';
import { PreparedMessage } from './prepared-message.js';
import { createReservedMethods } from './reserved-methods.js';
import { ErrorCodes } from './response-error.js';
import { resolveLimits, type ResolvedLimits, type ServerOptions } from './server-options.js';
import type { EventName, EventOf, MethodName, ParamsOf, ResultOf, ServiceShape, UntypedService } from './service.js';
import { realTimers, type Timers } from './timers.js';
import { topicProblem } from './topics.js';

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
  private readonly table = new MethodTable();
  private readonly conns = new Map<string, Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly reservedMethods: Map<string, ReservedHandler>;
  /** The view of this server that connections get. */
  private readonly host: ConnectionHost;
  private readonly info: { name: string; version: string };
  private listener: Listener | undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.timers = options.timers ?? realTimers;
    this.info = { name: options.server?.name ?? options.app ?? 'sidewire', version: options.server?.version ?? VERSION };
    this.reservedMethods = createReservedMethods({
      token: () => this.listener?.token,
      server: this.info,
      capabilities: () => this.capabilities(),
      timers: this.timers,
    });
    this.host = {
      token: () => this.listener?.token,
      isClosing: () => this.closing,
      limits: this.limits,
      timers: this.timers,
      methods: this.table,
      reserved: (method) => this.reservedMethods.get(method),
      reportError: (err, site) => this.report(err, site),
      connectionClosed: (conn, info) => this.connectionClosed(conn, info),
    };
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

  /** Registers a request handler (replacing one of the same name). Names starting with `$/` are reserved. */
  method<K extends MethodName<S>>(name: K, handler: TypedHandler<S, K>, options?: MethodOptions): this {
    this.table.addMethod(name, handler as (params: unknown, ctx: RequestContext) => unknown, options);
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
    return conn.stream.send(notificationMessage(method, params), 'event') === 'queued';
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
    const o = this.options;
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
    this.listener = listener;
    listener.on('connection', (socket: Socket) => this.accept(socket));
    listener.on('error', (err: Error) => this.report(err, {}));
    return this;
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
    const modes = ['json'];
    if (this.options.modeHandlers?.binary !== undefined) modes.push('binary');
    if (this.options.modeHandlers?.text !== undefined) modes.push('text');
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
      endPolitely(socket, this.timers, busyLine(this.limits.maxConnections));
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const { helloTimeoutMs, idleTimeoutMs } = this.limits;
    const positive = [helloTimeoutMs, idleTimeoutMs].filter((ms) => ms > 0);
    routeConnection(socket, {
      json: (s, initial) => this.startJson(s, initial),
      modeHandlers: this.options.modeHandlers ?? {},
      sniffTimeoutMs: positive.length > 0 ? Math.min(...positive) : 0,
      timers: this.timers,
    });
  }

  private startJson(socket: Socket, initial: Buffer): void {
    const stream = new NdjsonStream(socket, {
      initial,
      maxMessageBytes: this.limits.maxMessageBytes,
      highWaterMarkBytes: this.limits.highWaterMarkBytes,
      slowConsumer: this.limits.slowConsumer,
      timers: this.timers,
    });
    const conn = new Connection(this.host, stream, newClientId(this.conns));
    this.conns.set(conn.clientId, conn);
    conn.start();
    if (this.conns.get(conn.clientId) === conn) this.emit('connect', conn.info());
  }

  private report(err: unknown, site: ErrorSite): void {
    if (this.listenerCount('error') === 0) return;
    this.emit('error', err instanceof Error ? err : new Error(String(err)), site);
  }

  private connectionClosed(conn: Connection, info: StreamCloseInfo): void {
    if (this.conns.get(conn.clientId) !== conn) return;
    this.conns.delete(conn.clientId);
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
