/**
 * A `Server` on its endpoint: listening (resolve the endpoint, bind it and write the discovery
 * file, then start the health server), moving to another endpoint, and the graceful close. The
 * server's public `listen()`, `rebind()` and `close()` come here.
 */
import type { Socket } from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { resolveEndpoint } from '../endpoint/resolve.js';
import { createError } from '../errors.js';
import type { HealthServer } from '../observability/health-server.js';
import { startServerHealth, type DashboardDaemon, type ServerHealthOptions } from '../observability/server-health.js';
import type { ServerObserver } from '../observability/server-observer.js';
import type { ServerVitals } from '../observability/server-vitals.js';
import type { DurableIngest } from './durable/durable-ingest.js';
import { listen } from '../transport/listen.js';
import { peerIdentityUnavailable } from '../transport/peer-identity.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { policyFallback } from './access-policy.js';
import { chooseInherited, takeInheritedSockets, type InheritedSocket } from '../transport/socket-activation.js';
import { sdNotify } from '../transport/sd-notify.js';
import type { Listener } from '../transport/types.js';
import type { Connection } from './connection.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { ConnectionAcceptor } from './server-accept.js';
import type { ServerOptions } from './server-options.js';
import type { Timers } from '../util/timers.js';

/** What the lifecycle needs from its server. */
export interface LifecycleHost {
  readonly options: ServerOptions;
  /** The server's name and version, written to the discovery file. */
  readonly info: { readonly name: string; readonly version: string };
  readonly timers: Timers;
  readonly durable: DurableIngest;
  readonly observer: ServerObserver;
  readonly vitals: ServerVitals;
  /** The daemon kit's controls for the dashboard, if set. */
  dashboardDaemon(): DashboardDaemon | undefined;
  /** The endpoint's token, when it requires one. */
  token(): string | undefined;
  /** The server's JSON/binary connections by client id. */
  readonly conns: Map<string, Connection>;
  /** The server's sockets accepted and not yet closed, in any mode. */
  readonly sockets: Set<Socket>;
  readonly acceptor: ConnectionAcceptor;
  /** The listener failed. */
  listenerError(err: Error): void;
}

export class ServerLifecycle {
  private readonly server: LifecycleHost;
  #listener: Listener | undefined;
  /** Set by `rebind()`: replaces `options.endpoint`. */
  private endpointOverride: string | Endpoint | undefined;
  #closing = false;
  private closePromise: Promise<void> | undefined;
  #healthServer: HealthServer | undefined;

  constructor(server: LifecycleHost) {
    this.server = server;
  }

  /** The current listener; undefined before `listen()`. */
  get listener(): Listener | undefined {
    return this.#listener;
  }

  /** True once the graceful close started. */
  get closing(): boolean {
    return this.#closing;
  }

  /** The health server (`health` option), once started. */
  get healthServer(): HealthServer | undefined {
    return this.#healthServer;
  }

  /** Binds the endpoint, then starts the health server (once; see `Server.listen()`). */
  async listen(): Promise<void> {
    if (this.#listener !== undefined) return;
    this.attach(await this.bind());
    const { health } = this.server.options;
    if (health !== undefined) await this.startHealth(health);
    this.notify({ READY: '1', STATUS: `listening on ${formatEndpoint(this.#listener!.endpoint)}`, MAINPID: String(process.pid) });
  }

  /** Tells the service manager (NOTIFY_SOCKET, sd-notify.ts), when there is one; a failure is a warning. */
  private notify(fields: Record<string, string>): void {
    const outcome = sdNotify(fields);
    if (outcome !== undefined && !outcome.sent) this.warn(outcome.reason);
  }

  private warn(message: string): void {
    const { onWarning } = this.server.options;
    if (onWarning !== undefined) onWarning(message);
    else process.emitWarning(message, { code: 'SIDEWIRE' });
  }

  /**
   * The socket systemd handed over for this server (socket-activation.ts), or undefined when the
   * process was not socket-activated (or an earlier server of it took the sockets).
   */
  private inherited(wanted: Endpoint | undefined, name: string, warn: (message: string) => void): InheritedSocket | undefined {
    const sockets = takeInheritedSockets();
    if (sockets === undefined) return undefined;
    const chosen = chooseInherited(sockets, wanted, name);
    if (chosen.endpoint === undefined) warn(`socket activation: descriptor ${chosen.fd} adopted without checking what it is (the native helper is not loaded)`);
    return chosen;
  }

  /** Starts the health server; when it cannot start, this server closes again and the error is thrown. */
  private async startHealth(options: ServerHealthOptions): Promise<void> {
    const { vitals, observer, conns } = this.server;
    const dashboard = { clients: () => [...conns.values()].map((c) => c.info()), tail: observer.tail, daemon: this.server.dashboardDaemon(), token: this.server.token() };
    try {
      this.#healthServer = await startServerHealth(options, { vitals, metrics: observer.metrics, logger: observer.logger, dashboard });
    } catch (err) {
      await this.close(0);
      throw err;
    }
  }

  /** Moves to another endpoint (see `Server.rebind()`). */
  async rebind(endpoint: string | Endpoint): Promise<void> {
    if (this.#closing) throw createError('ERR_SERVER_CLOSED', 'cannot rebind: the server is closing', { fixes: ['create a new server'] });
    const previous = this.endpointOverride;
    this.endpointOverride = endpoint;
    const old = this.#listener;
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
    const o = { ...this.server.options, endpoint: this.endpointOverride ?? this.server.options.endpoint };
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
    const wanted = resolved.source === 'default' ? undefined : resolved.endpoint;
    const inherited = this.#listener === undefined ? this.inherited(wanted, resolved.name, warn) : undefined;
    const listener = await listen({
      ...(inherited === undefined ? {} : { inherited }),
      endpoint: inherited?.endpoint ?? resolved.endpoint,
      runtimeDir: resolved.runtimeDir,
      name: resolved.name,
      endpointEnvVar: resolved.envVar,
      onWarning: warn,
      discoveryExtra: { server: this.server.info },
      ...(o.socketMode === undefined ? {} : { socketMode: o.socketMode }),
      ...(o.allowRemote === undefined ? {} : { allowRemote: o.allowRemote }),
      ...(o.portFallback === undefined ? {} : { portFallback: o.portFallback }),
      ...(o.requireToken === undefined ? {} : { requireToken: o.requireToken }),
      ...(o.discovery === undefined ? {} : { discovery: o.discovery }),
      ...(o.cleanupOnExit === undefined ? {} : { cleanupOnExit: o.cleanupOnExit }),
    });
    this.checkPolicy(listener, warn);
    this.server.durable.start(resolved);
    return listener;
  }

  /** Whether the `allow` policy can be enforced on `listener` (access-policy.ts); closes it and throws when not. */
  private checkPolicy(listener: Listener, warn: (message: string) => void): void {
    if (this.server.options.allow === undefined) return;
    try {
      const note = policyFallback(peerIdentityUnavailable(listener.endpoint), listener.token !== undefined, formatEndpoint(listener.endpoint));
      if (note !== undefined) warn(note);
    } catch (err) {
      void listener.close();
      throw err;
    }
  }

  private attach(listener: Listener): void {
    this.#listener = listener;
    listener.on('connection', (socket: Socket) => this.server.acceptor.accept(socket));
    listener.on('error', (err: Error) => this.server.listenerError(err));
  }

  /** The graceful close, started once (see `Server.close()`). */
  close(deadlineMs: number): Promise<void> {
    this.closePromise ??= this.shutdown(deadlineMs);
    return this.closePromise;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    const { conns: live, sockets, acceptor, durable } = this.server;
    this.#closing = true;
    this.notify({ STOPPING: '1' });
    const listenerClosed = this.#listener?.close() ?? Promise.resolve();
    const conns = [...live.values()];
    await this.within(deadlineMs, Promise.all(conns.map((c) => c.whenIdle())));
    for (const c of conns) c.abortAll(ErrorCodes.Busy, 'server busy: shut down before the request finished');
    await this.within(100, Promise.all(conns.map((c) => c.whenIdle())));
    for (const c of conns) c.close();
    await this.within(2000, acceptor.allClosed());
    for (const s of sockets) s.destroy();
    await listenerClosed;
    await this.within(2000, durable.stop());
    await this.#healthServer?.close(); // last: /health answers 503 until the end
  }

  /** Waits for `work`, at most `ms`. */
  private async within(ms: number, work: Promise<unknown>): Promise<void> {
    const { timers } = this.server;
    let timer: ReturnType<Timers['setTimeout']> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = timers.setTimeout(resolve, ms);
      timer.ref?.(); // close() is awaited: its deadline must keep the process alive
    });
    await Promise.race([work, deadline]);
    if (timer !== undefined) timers.clearTimeout(timer);
  }
}
