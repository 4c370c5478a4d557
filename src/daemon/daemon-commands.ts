/**
 * The daemon kit's built-in methods (docs/protocol.md §5) as a pure function of a small host:
 * `daemon.status`, `daemon.pause`, `daemon.resume`, `daemon.reload`, `daemon.ping`, and the text
 * aliases STATUS, PAUSE, RESUME, RELOAD, PING (HELP is the text session's built-in).
 *
 * Refusals (`already paused`, a failed reload...) are thrown as `ResponseError` with code
 * {@link DAEMON_ERROR_CODE} and `data: { code, fixes }`, so a JSON-RPC client sees the reason and
 * a text client gets `ERR: <reason>`.
 *
 * `daemon.stop` is deliberately not here: it is JSON-only and owner-only, so it belongs to the
 * server integration (which knows the caller's credentials and how to close the listener).
 */
import { SidewireError, createError } from '../errors.js';
import { ResponseError } from '../protocol/response-error.js';
import type { DaemonState, DaemonStateMachine } from './state.js';

/** JSON-RPC error code of a refused daemon command (the generic "server error" of JSON-RPC). */
export const DAEMON_ERROR_CODE = -32000;

/** What the built-ins need from the daemon. */
export interface DaemonHost {
  readonly state: DaemonStateMachine;
  /** Extra application fields merged into `daemon.status` (they cannot replace the built-in ones). */
  status(): object;
  /** Reloads configuration; throws (with a useful message) to refuse, keeping the old config. */
  reload(): Promise<void>;
  /** The number of open connections. */
  connections(): number;
  readonly version: string;
  /** The endpoint as a string, e.g. `unix:///run/user/1000/myapp/myapp.sock`. */
  readonly endpoint: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /**
   * Clock for `uptimeSecs` (epoch ms).
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * The pid reported by `daemon.status`.
   * @default process.pid
   */
  readonly pid?: number;
}

/** The reply of `daemon.status` (plus the application's fields). */
export interface DaemonStatus {
  readonly state: DaemonState;
  readonly pid: number;
  /** Whole seconds since `startedAt`. */
  readonly uptimeSecs: number;
  readonly connections: number;
  readonly version: string;
  readonly endpoint: string;
  readonly [app: string]: unknown;
}

/** A built-in method; compatible with the rpc layer's `MethodHandler`. */
export type DaemonMethod = (params?: unknown) => Promise<unknown>;

export interface DaemonCommands {
  /** Method name → handler. */
  readonly methods: ReadonlyMap<string, DaemonMethod>;
  /** Text WORD → method name: STATUS, PAUSE, RESUME, RELOAD, PING. */
  readonly textAliases: ReadonlyMap<string, string>;
  /** Method name → one-line description (for HELP and docs). */
  readonly descriptions: ReadonlyMap<string, string>;
}

const DESCRIPTIONS: ReadonlyArray<readonly [alias: string, method: string, description: string]> = [
  ['STATUS', 'daemon.status', 'state, pid, uptime, connections and version as JSON'],
  ['PAUSE', 'daemon.pause', 'pause work (running → paused)'],
  ['RESUME', 'daemon.resume', 'resume work (paused → running)'],
  ['RELOAD', 'daemon.reload', 'reload the configuration; the old one stays on error'],
  ['PING', 'daemon.ping', 'reply PONG'],
];

/** Any error as the ResponseError a refused command is answered with. */
export function toDaemonResponseError(err: unknown, prefix = ''): ResponseError {
  if (err instanceof ResponseError) return err;
  if (err instanceof SidewireError) {
    return new ResponseError(DAEMON_ERROR_CODE, `${prefix}${err.message}`, { code: err.code, fixes: err.fixes });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ResponseError(DAEMON_ERROR_CODE, `${prefix}${message}`);
}

function statusOf(host: DaemonHost): DaemonStatus {
  const now = (host.now ?? Date.now)();
  const core = {
    state: host.state.state,
    pid: host.pid ?? process.pid,
    uptimeSecs: Math.max(0, Math.floor((now - host.startedAt) / 1000)),
    connections: host.connections(),
    version: host.version,
    endpoint: host.endpoint,
  };
  const app = Object.fromEntries(Object.entries(host.status()).filter(([key]) => !Object.hasOwn(core, key)));
  return { ...core, ...app };
}

/** Wraps a state change so a refusal becomes a ResponseError with the reason. */
function stateCommand(change: () => void): DaemonMethod {
  return async () => {
    try {
      change();
    } catch (err) {
      throw toDaemonResponseError(err);
    }
    return 'OK';
  };
}

/** `daemon.reload`: only while running or paused, one at a time. */
function reloadCommand(host: DaemonHost): DaemonMethod {
  let inProgress = false;
  return async () => {
    const state = host.state.state;
    if (state !== 'running' && state !== 'paused') {
      throw toDaemonResponseError(createError('ERR_DAEMON_STATE', `cannot reload while ${state}`, { fixes: ['wait until the daemon is running'] }));
    }
    if (inProgress) {
      throw toDaemonResponseError(createError('ERR_DAEMON_STATE', 'reload already in progress', { fixes: ['wait for the current reload to finish'] }));
    }
    inProgress = true;
    try {
      await host.reload();
    } catch (err) {
      throw toDaemonResponseError(err, 'reload failed: ');
    } finally {
      inProgress = false;
    }
    return 'OK';
  };
}

/** The built-in methods and text aliases for `host`. */
export function createDaemonCommands(host: DaemonHost): DaemonCommands {
  const methods = new Map<string, DaemonMethod>([
    ['daemon.status', async () => statusOf(host)],
    ['daemon.pause', stateCommand(() => host.state.pause())],
    ['daemon.resume', stateCommand(() => host.state.resume())],
    ['daemon.reload', reloadCommand(host)],
    ['daemon.ping', async () => 'PONG'],
  ]);
  return {
    methods,
    textAliases: new Map(DESCRIPTIONS.map(([alias, method]) => [alias, method])),
    descriptions: new Map(DESCRIPTIONS.map(([, method, description]) => [method, description])),
  };
}
