/**
 * The JSON-RPC server (docs/protocol.md §3–4): one endpoint, many connections, methods, notifications,
 * events (publish/broadcast/notify), limits, and a graceful close.
 */
import { shmNative } from '../transport/shm/native.js';
import { resolveSharedMemory, type SharedMemorySettings } from '../transport/shm/shm-options.js';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { formatEndpoint } from '../endpoint/parse.js';
import { VERSION } from '../version.js';
import type { ClientInfo } from '../protocol/client-info.js';
import type { Connection } from './connection.js';
import type { ConnectionHost, ReservedHandler } from './connection-host.js';
import { type MethodOptions, type NotificationContext, type RequestContext } from './dispatch.js';
import { CatchAllMethodTable } from './catch-all-table.js';
import { DurableIngest } from './durable/durable-ingest.js';
import { EventFlow } from './event-flow.js';
import type { StreamCloseInfo } from '../stream/message-stream.js';
import { ServerTextMode, type TextAliasOptions } from './server-text-mode.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import { createReservedMethods } from './reserved-methods.js';
import { ConnectionAcceptor } from './server-accept.js';
import { ServerLifecycle } from './server-lifecycle.js';
import { resolveServerOptions, type ResolvedLimits, type ServerOptions } from './server-options.js';
import type { EventName, EventOf, MethodName, ParamsOf, ResultOf, ServiceShape, UntypedService } from '../protocol/service.js';
import { realTimers, type Timers } from '../util/timers.js';
import type { ServerMetrics } from '../observability/metrics.js';
import { createServerObserver, type ServerObserver } from '../observability/server-observer.js';
import { ServerVitals } from '../observability/server-vitals.js';
import { createAdapterPort, EventTaps, type AdapterPort } from './adapter-port.js';
import { resolveAccessPolicy } from './access-policy.js';
import { natsModeFor, type NatsServerMode } from './nats-mode.js';
import { EventFanout } from './event-fanout.js';
import { serverCapabilities } from './reserved-methods.js';
import type { DashboardDaemon } from '../observability/server-health.js';

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
  /** A connection reported backed up (docs/protocol.md "Backpressure") fell below `limits.backpressureBytes`. */
  drain: [clientId: string];
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
  private readonly timers: Timers;
  private readonly table = new CatchAllMethodTable();
  /** Durable notifications (docs/reconnect.md): `$/durable` and the spool dir; settings with the `durable` option (or `durable.configure(...)` before listen()). */
  readonly durable: DurableIngest;
  private readonly conns = new Map<string, Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly reservedMethods: Map<string, ReservedHandler>;
  /** The view of this server that connections get. */
  private readonly host: ConnectionHost;
  /** Takes in the listener's sockets and registers their connections. */
  private readonly acceptor: ConnectionAcceptor;
  /** Listening, rebinding and the graceful close. */
  private readonly lifecycle: ServerLifecycle;
  private readonly info: { name: string; version: string };
  /** Text mode: WORD → method aliases (docs/protocol.md §5). */
  readonly text: ServerTextMode;
  /** Metrics, diagnostics channels, logger. */
  private readonly observer: ServerObserver;
  private dashboardDaemon: DashboardDaemon | undefined;
  private readonly vitals: ServerVitals;
  /** Shared-memory side channel settings (undefined: `sharedMemory: false`). */
  private readonly sharedMemory: SharedMemorySettings | undefined;
  /** Endpoint adapters' view of published and broadcast events (adapter-port.ts). */
  private readonly taps = new EventTaps();
  /** Backpressure on events, per connection. */
  private readonly flow: EventFlow;
  /** On a `nats://` endpoint: the NATS side (docs/nats.md); no socket is bound then. */
  private readonly nats: NatsServerMode | undefined;
  /** Where notify, broadcast and publish send. */
  private readonly events: EventFanout;

  constructor(options: ServerOptions = {}) {
    super();
    this.limits = resolveServerOptions(options); // every option is checked here, once
    this.timers = options.timers ?? realTimers;
    this.info = { name: options.server?.name ?? options.app ?? 'sidewire', version: options.server?.version ?? VERSION };
    this.observer = createServerObserver(options);
    const dashboard = options.health?.dashboard;
    if (dashboard !== undefined && dashboard !== false) this.observer.enableTail({ payloads: dashboard !== true && dashboard.payloads === true });
    const allow = resolveAccessPolicy(options.allow);
    this.vitals = new ServerVitals({
      closing: () => this.lifecycle.closing,
      connections: () => this.sockets.size,
      clients: () => this.clients().map((c) => ({ clientId: c.clientId, mode: c.mode, connectedAt: c.connectedAt, peer: c.peer ?? null })),
      version: this.info.version,
      now: () => this.timers.now(),
    });
    this.sharedMemory = resolveSharedMemory(options.sharedMemory);
    this.flow = new EventFlow(Math.min(this.limits.backpressureBytes, this.limits.highWaterMarkBytes), (id) => this.emit('drain', id));
    this.reservedMethods = createReservedMethods({
      token: () => this.lifecycle.listener?.token,
      server: this.info,
      capabilities: () => this.capabilities(),
      timers: this.timers,
      sharedMemory: this.sharedMemory,
    });
    this.reservedMethods.set('$/stats', () => this.vitals.stats(this.observer.metrics));
    this.durable = new DurableIngest({ timers: this.timers, table: this.table, report: (err, site) => this.report(err, site) });
    if (options.durable !== undefined) this.durable.configure(options.durable);
    this.reservedMethods.set('$/durable', (params, conn) => this.durable.handle(params, conn));
    this.host = {
      token: () => this.lifecycle.listener?.token,
      isClosing: () => this.lifecycle.closing,
      limits: this.limits,
      timers: this.timers,
      methods: this.table,
      reserved: (method) => this.reservedMethods.get(method),
      reportError: (err, site) => this.report(err, site),
      connectionClosed: (conn, info) => this.acceptor.connectionClosed(conn, info),
      observer: this.observer,
      peerOf: (socket) => this.acceptor.peerOf(socket),
    };
    this.text = new ServerTextMode(this.host, this.conns);
    this.acceptor = new ConnectionAcceptor({
      connection: this.host,
      observer: this.observer,
      options,
      allow,
      text: this.text,
      conns: this.conns,
      sockets: this.sockets,
      connected: (client) => this.emit('connect', client),
      disconnected: (client, info) => {
        this.flow.closed(client.clientId);
        this.emit('disconnect', client, info);
      },
    });
    this.nats = natsModeFor(options, { ...this.host, info: this.info, capabilities: () => this.capabilities(), durable: this.durable, stats: () => this.vitals.stats(this.observer.metrics) });
    this.events = new EventFanout({ conns: this.conns, flow: this.flow, taps: this.taps, observer: this.observer, nats: this.nats });
    this.lifecycle = new ServerLifecycle({
      options,
      info: this.info,
      timers: this.timers,
      durable: this.durable,
      observer: this.observer,
      vitals: this.vitals,
      dashboardDaemon: () => this.dashboardDaemon,
      token: () => this.token,
      conns: this.conns,
      sockets: this.sockets,
      acceptor: this.acceptor,
      listenerError: (err) => this.report(err, {}),
    });
  }

  /** The real endpoint (with the real TCP port), formatted; '' before `listen()`. */
  get endpoint(): string {
    if (this.nats !== undefined) return this.nats.endpoint.url;
    const listener = this.lifecycle.listener;
    return listener === undefined ? '' : formatEndpoint(listener.endpoint);
  }

  /** The token clients must present, when one is required. */
  get token(): string | undefined {
    return this.lifecycle.listener?.token;
  }

  /** The discovery file, when one was written. */
  get discoveryPath(): string | undefined {
    return this.lifecycle.listener?.discoveryPath;
  }

  /** The Prometheus metrics (`metrics` option), e.g. for your own HTTP server: `await server.metrics.metrics()`. */
  get metrics(): ServerMetrics | undefined {
    return this.observer.metrics;
  }

  /** Base URL of the health server (`health` option), e.g. `http://127.0.0.1:9464`; undefined without one. */
  get healthUrl(): string | undefined {
    return this.lifecycle.healthServer?.url;
  }

  /** Registers a request handler (replacing one of the same name). Names starting with `$/` are reserved. */
  method<K extends MethodName<S>>(name: K, handler: TypedHandler<S, K>, options?: MethodOptions): this {
    this.table.addMethod(name, handler as (params: unknown, ctx: RequestContext) => unknown, options);
    return this;
  }

  /** Makes text-mode WORD (case-insensitive) run `method` with the line's args as params (docs/protocol.md §5). */
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

  /**
   * Sends a notification to one client. False when it is gone, not authenticated, or the event
   * was dropped — or, like `socket.write`, when it was queued and that connection is now backed
   * up (`limits.backpressureBytes`): slow down until `drained(clientId)` or 'drain'.
   */
  notify(clientId: string, method: string, params?: unknown): boolean {
    return this.events.notify(clientId, method, params);
  }

  /** Sends a notification to every JSON/binary client. Returns how many it was queued for (see `backedUp`). */
  broadcast(method: string, params?: unknown): number {
    return this.events.broadcast(method, params);
  }

  /** Connections that an event left backed up (`limits.backpressureBytes`) and that have not drained yet. */
  get backedUp(): number {
    return this.flow.backedUp;
  }

  /** Resolves once `clientId` (or, without it, every backed-up connection) is below `limits.backpressureBytes` or gone. */
  drained(clientId?: string): Promise<void> {
    return clientId === undefined ? this.flow.allDrained() : this.flow.drained(this.conns.get(clientId));
  }

  /** Publishes an event to the clients subscribed to `topic`. Returns how many it was queued for (see `backedUp`). */
  publish<T extends EventName<S>>(topic: T, data: EventOf<S, T>): number {
    return this.events.publish(topic, data);
  }

  /**
   * The controls the dashboard offers (`health.dashboard`): the daemon kit sets PAUSE / RESUME /
   * RELOAD and its state here before `listen()`. @internal
   */
  useDashboardControls(daemon: DashboardDaemon): void {
    this.dashboardDaemon = daemon;
  }

  /** The dashboard page URL, with `?token=` when it has controls (`health.dashboard`); undefined without one. */
  get dashboardUrl(): string | undefined {
    return this.lifecycle.healthServer?.dashboardUrl;
  }

  /** Snapshots of the connected JSON/binary clients. */
  clients(): ClientInfo[] {
    return [...this.conns.values()].map((c) => c.info());
  }

  /** Sockets accepted and not yet closed, in any mode. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Bytes held for incomplete incoming messages, all connections together (`limits.maxBufferedBytes` caps what is beyond each connection's first 64 KiB). */
  get incomingBufferedBytes(): number {
    return this.acceptor.incomingBufferedBytes;
  }

  /** Starts listening. Called by `serve()`; call it yourself after `createServer()`. */
  async listen(): Promise<this> {
    if (this.nats !== undefined) {
      await this.nats.start();
      return this;
    }
    await this.lifecycle.listen();
    return this;
  }

  /**
   * Moves to another endpoint (resolved like the `endpoint` option; `'auto'` = env var or
   * default): binds the new one, then closes the old listener. Open connections stay. Before
   * `listen()` it only changes where `listen()` will bind. On failure nothing changes.
   */
  rebind(endpoint: string | Endpoint): Promise<void> {
    return this.nats !== undefined ? this.nats.rebind(endpoint) : this.lifecycle.rebind(endpoint);
  }

  /**
   * Graceful close: stop accepting, let in-flight requests finish up to the deadline (new ones get
   * -32005), answer the rest with -32005 and abort them, then close connections and the listener.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.nats !== undefined) return this.nats.close(options.deadlineMs ?? 5000).then(() => this.durable.stop());
    return this.lifecycle.close(options.deadlineMs ?? 5000);
  }

  /** For endpoint adapters such as `sidewire/zeromq` (docs/zeromq.md): this server's request path and events. */
  adapterPort(): AdapterPort {
    return createAdapterPort(this.host, this.conns, this.taps);
  }

  private capabilities(): Record<string, unknown> {
    return serverCapabilities(this.limits, this.acceptor.modeHandlers().text !== undefined, this.sharedMemory !== undefined && shmNative() !== null);
  }

  private report(err: unknown, site: ErrorSite): void {
    this.observer.serverError(err, site.clientId === undefined ? 'listener' : 'handler', site.clientId);
    if (this.listenerCount('error') === 0) return;
    this.emit('error', err instanceof Error ? err : new Error(String(err)), site);
  }
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
