/**
 * The daemon kit (docs/protocol.md §5): a server plus the things a real daemon needs.
 * - State `starting → running ⇄ paused → stopping → stopped`, published on topic `daemon.state`
 *   as `{ state, from, at }`.
 * - Built-ins in JSON and text mode: STATUS/`daemon.status`, PAUSE, RESUME, RELOAD, PING, HELP;
 *   `daemon.stop` in JSON mode for the owner only (see daemon-owner.ts).
 * - Config: defaults ← JSON file ← `<APP>_…` environment, validated by a Standard Schema; RELOAD
 *   and SIGHUP re-read it (old config kept on error), run `onReload`, and rebind the endpoint only
 *   when it changed.
 * - Pid file `<runtime dir>/<name>.pid` (atomic, stale-aware, removed on exit).
 * - SIGTERM/SIGINT: stopping → server closed within `drainMs` → `onStop` → pid file removed → stopped.
 *
 * ```ts
 * const daemon = createDaemon({ app: 'myapp', config: { file: 'myapp.json', defaults: { jobs: 4 } } });
 * daemon.server.method('jobs.run', async () => ...);
 * await daemon.start();
 * await daemon.stopped; // after SIGTERM, `sidewire stop --app myapp` or daemon.stop()
 * ```
 */
import { EventEmitter } from 'node:events';
import { parseEndpoint } from '../endpoint/parse.js';
import { createError } from '../errors.js';
import type { RequestContext } from '../server/dispatch.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { Server } from '../server/server.js';
import type { ServiceShape, UntypedService } from '../protocol/service.js';
import { DaemonConfigState, type DaemonReloadOutcome } from './daemon-config-state.js';
import { createDaemonCommands, DAEMON_ERROR_CODE, type DaemonHost } from './daemon-commands.js';
import { resolveDaemonOptions, type DaemonOptions, type DaemonStopInfo, type ResolvedDaemonOptions } from './daemon-options.js';
import { ownerRefusal } from './daemon-owner.js';
import { installDaemonSignals } from './daemon-signals.js';
import { startIdleExit } from './idle-exit.js';
import { realTimers } from '../util/timers.js';
import { acquirePidFile, removePidFileIfOurs } from './pid-file.js';
import { DaemonStateMachine, type DaemonState, type DaemonStateChange } from './state.js';

/** The topic state changes are published on. */
export const DAEMON_STATE_TOPIC = 'daemon.state';

/** Payload of a `daemon.state` event. */
export interface DaemonStateEvent {
  readonly state: DaemonState;
  readonly from: DaemonState;
  /** Epoch milliseconds. */
  readonly at: number;
}

export type { DaemonReloadOutcome } from './daemon-config-state.js';

export interface DaemonEvents<C> {
  state: [DaemonStateChange];
  reload: [DaemonReloadOutcome<C>];
  stopped: [DaemonStopInfo];
}

export class Daemon<S extends ServiceShape = UntypedService, C = Record<string, unknown>> extends EventEmitter<DaemonEvents<C>> {
  /** The server: register your methods on it before `start()`. */
  readonly server: Server<S>;
  /** The lifecycle state machine (its `'state'` events are re-emitted by the daemon). */
  readonly stateMachine: DaemonStateMachine;
  /** Resolves once the daemon is stopped (never rejects). */
  readonly stopped: Promise<DaemonStopInfo>;
  private readonly options: DaemonOptions<S, C>;
  /** The options with their defaults, resolved once. */
  private readonly resolved: ResolvedDaemonOptions;
  private readonly now: () => number;
  /** The config and the endpoint bound from it; reloads. */
  private readonly configState: DaemonConfigState<C>;
  private startedAt = 0;
  private started = false;
  private pidPath: string | undefined;
  private uninstallHooks: () => void = () => undefined;
  private stopPromise: Promise<void> | undefined;
  private resolveStopped: (info: DaemonStopInfo) => void = () => undefined;

  constructor(options: DaemonOptions<S, C> = {}) {
    super();
    this.options = options;
    this.resolved = resolveDaemonOptions(options as DaemonOptions<ServiceShape, unknown>);
    this.now = this.resolved.now;
    this.server = new Server<S>(options);
    this.configState = new DaemonConfigState<C>({ options, app: this.resolved.app, server: this.server, reloaded: (outcome) => this.emit('reload', outcome) });
    this.stateMachine = new DaemonStateMachine({ now: this.now });
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    this.stateMachine.on('state', (change) => this.onState(change));
    this.installBuiltins();
    // The dashboard's PAUSE / RESUME / RELOAD (docs/observability.md "Dashboard").
    this.server.useDashboardControls({
      controls: { pause: () => this.pause(), resume: () => this.resume(), reload: () => this.reload() },
      state: () => this.state,
    });
  }

  /** The current state: `starting`, `running`, `paused`, `stopping` or `stopped`. */
  get state(): DaemonState {
    return this.stateMachine.state;
  }

  /** The current (validated) config. Throws before `start()`. */
  get config(): C {
    return this.configState.config;
  }

  /** The endpoint listened on ('' before start). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** The pid file path, when one is used (known after start). */
  get pidFile(): string | undefined {
    return this.pidPath;
  }

  /**
   * Loads the config, listens, writes the pid file, installs the signal hooks, and goes to
   * `running`. On failure everything is undone, the state ends `stopped`, and this rejects.
   * @throws DaemonError ERR_CONFIG, EndpointError (ERR_ENDPOINT_IN_USE also for a live pid file)
   */
  async start(): Promise<this> {
    if (this.state !== 'starting' || this.started) {
      throw createError('ERR_DAEMON_STATE', `cannot start while ${this.state}`, { fixes: ['create a new daemon'] });
    }
    this.started = true;
    this.startedAt = this.now();
    try {
      await this.configState.loadAndListen();
      this.acquirePid();
      this.uninstallHooks = installDaemonSignals(
        {
          stop: (signal) => void this.stop({ reason: signal }),
          reload: () => void this.reloadFromSignal(),
          exit: () => this.removePid(),
        },
        { signals: this.resolved.handleSignals },
      );
      this.stateMachine.transition('running');
      this.startIdleExit();
    } catch (err) {
      await this.stop({ reason: 'start failed' });
      throw err;
    }
    return this;
  }

  /** running → paused. @throws DaemonError ERR_DAEMON_STATE (`already paused`, …) */
  pause(): void {
    this.stateMachine.pause();
  }

  /** paused → running. @throws DaemonError ERR_DAEMON_STATE (`not paused`, …) */
  resume(): void {
    this.stateMachine.resume();
  }

  /**
   * Re-reads and validates the config, rebinds the endpoint if it changed, runs `onReload`, then
   * switches to the new config. On any error the old config and endpoint stay and this throws.
   * @throws DaemonError ERR_CONFIG / ERR_DAEMON_STATE, EndpointError from the rebind, or what `onReload` threw
   */
  async reload(source: 'command' | 'SIGHUP' = 'command'): Promise<void> {
    if (this.state !== 'running' && this.state !== 'paused') {
      throw createError('ERR_DAEMON_STATE', `cannot reload while ${this.state}`, { fixes: ['wait until the daemon is running'] });
    }
    await this.configState.reload(source);
  }

  /**
   * Graceful stop: stopping (published) → server closed, in-flight requests get up to `drainMs`
   * → `onStop` → pid file removed → stopped. Idempotent; resolves when stopped.
   */
  stop(options: { readonly reason?: string } = {}): Promise<void> {
    this.stopPromise ??= this.shutdown(options.reason ?? 'stop()');
    return this.stopPromise;
  }

  private async shutdown(reason: string): Promise<void> {
    if (this.state !== 'stopping' && this.state !== 'stopped') this.stateMachine.transition('stopping');
    try {
      await this.server.close({ deadlineMs: this.resolved.drainMs });
      await this.options.onStop?.();
    } catch (err) {
      this.warn(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.removePid();
      this.uninstallHooks();
      this.stateMachine.transition('stopped');
      const info = { reason };
      this.emit('stopped', info);
      this.resolveStopped(info);
    }
  }

  /** `idleExitMs`: stop once no client has been connected for that long (idle-exit.ts). */
  private startIdleExit(): void {
    const ms = this.resolved.idleExitMs;
    if (ms === 0) return;
    const server = this.server as unknown as Server;
    const cancel = startIdleExit(ms, {
      connections: () => server.connectionCount,
      onDisconnect: (listener) => {
        server.on('disconnect', listener);
        return () => server.removeListener('disconnect', listener);
      },
      stop: () => void this.stop({ reason: 'idle' }),
      timers: this.options.timers ?? realTimers,
    });
    const uninstall = this.uninstallHooks;
    this.uninstallHooks = () => {
      cancel();
      uninstall();
    };
  }

  private acquirePid(): void {
    const file = this.resolved.pidFile;
    if (file === false) return;
    acquirePidFile(file);
    this.pidPath = file;
  }

  private removePid(): void {
    if (this.pidPath === undefined) return;
    try {
      removePidFileIfOurs(this.pidPath);
    } catch {
      // best effort: a pid file we cannot remove is stale once we are gone
    }
  }

  private async reloadFromSignal(): Promise<void> {
    try {
      await this.reload('SIGHUP');
    } catch (err) {
      this.warn(`SIGHUP: reload failed, keeping the old config: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onState(change: DaemonStateChange): void {
    const event: DaemonStateEvent = { state: change.to, from: change.from, at: change.at };
    try {
      (this.server as unknown as Server).publish(DAEMON_STATE_TOPIC, event);
    } catch {
      // publishing never fails for a valid topic; a state change must not be undone by it
    }
    this.emit('state', change);
  }

  private warn(message: string): void {
    this.resolved.warn(message);
  }

  /** Registers the built-in methods and their text aliases, and `daemon.stop`. */
  private installBuiltins(): void {
    const endpoint = (): string => this.server.endpoint;
    const startedAt = (): number => this.startedAt;
    const host: DaemonHost = {
      state: this.stateMachine,
      status: () => ({ reloads: this.configState.reloads, configFile: this.options.config?.file ?? null, ...(this.options.status?.() ?? {}) }),
      reload: () => this.reload('command'),
      connections: () => this.server.connectionCount,
      version: this.resolved.version,
      get endpoint() {
        return endpoint();
      },
      get startedAt() {
        return startedAt();
      },
      now: this.now,
    };
    const commands = createDaemonCommands(host);
    const server = this.server as unknown as Server;
    for (const [name, handler] of commands.methods) server.method(name, () => handler(), { description: commands.descriptions.get(name) });
    for (const [word, method] of commands.textAliases) server.textCommand(word, method, { description: commands.descriptions.get(method) });
    server.method('daemon.stop', (_params, ctx) => this.stopCommand(ctx), { description: 'stop the daemon gracefully (JSON mode, owner only)' });
  }

  private stopCommand(ctx: RequestContext): string {
    if ((ctx.connection.mode as string) === 'text') {
      throw new ResponseError(DAEMON_ERROR_CODE, 'daemon.stop is only available in JSON mode (sidewire stop)');
    }
    const endpoint = parseEndpoint(this.server.endpoint);
    if (endpoint !== 'auto') {
      const refusal = ownerRefusal({ endpoint, socketMode: this.resolved.socketMode, tokenRequired: this.server.token !== undefined, peer: ctx.peer });
      if (refusal !== undefined) throw new ResponseError(ErrorCodes.Unauthorized, refusal);
    }
    // Reply first: stop() drains in-flight requests, this one included.
    setImmediate(() => void this.stop({ reason: 'daemon.stop' }));
    return 'OK';
  }
}

/** A daemon that is not started yet: register methods on `daemon.server`, then `await daemon.start()`. */
export function createDaemon<S extends ServiceShape = UntypedService, C = Record<string, unknown>>(options: DaemonOptions<S, C> = {}): Daemon<S, C> {
  return new Daemon<S, C>(options);
}

/** Creates the daemon, runs `options.setup(server)`, and starts it. */
export async function startDaemon<S extends ServiceShape = UntypedService, C = Record<string, unknown>>(options: DaemonOptions<S, C> = {}): Promise<Daemon<S, C>> {
  const daemon = new Daemon<S, C>(options);
  options.setup?.(daemon.server);
  return daemon.start();
}
