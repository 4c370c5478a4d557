/**
 * Options of the daemon kit (`createDaemon` / `startDaemon`): every server option, plus config,
 * pid file, signals, status fields and hooks.
 */
import * as path from 'node:path';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { currentUser, runtimeDirFor } from '../endpoint/runtime-dir.js';
import type { Server } from '../server/server.js';
import type { ServerOptions } from '../server/server-options.js';
import type { ServiceShape } from '../protocol/service.js';
import { bool, checkOptions, either, func, literal, millis, nested, nonEmptyText, object, text, type Check } from '../util/validate-options.js';
import { VERSION } from '../version.js';

/** Where a daemon's config comes from: defaults ← JSON file ← `<PREFIX><KEY>` environment variables. */
export interface DaemonConfigOptions<C> {
  /**
   * A JSON config file (an object). When given it must exist; RELOAD re-reads it.
   * @default undefined (defaults and environment only)
   */
  readonly file?: string;
  /** The default config. Its top-level keys are the keys the environment can override. */
  readonly defaults: C;
  /**
   * Prefix of override variables: `MYAPP_FOO_BAR` overrides `fooBar`.
   * @default `<APP>_` (the app name upper-cased, other characters → `_`)
   */
  readonly envPrefix?: string;
  /**
   * Validates (and may transform) the merged config, at start and on every reload.
   * @default undefined (any JSON object is accepted)
   */
  readonly schema?: StandardSchemaV1<unknown, C>;
}

/** Why a daemon stopped. */
export interface DaemonStopInfo {
  /** `SIGTERM`, `SIGINT`, `daemon.stop`, `stop()`, `idle` (`idleExitMs`), or `start failed`. */
  readonly reason: string;
}

export interface DaemonOptions<S extends ServiceShape = ServiceShape, C = Record<string, unknown>> extends ServerOptions {
  /**
   * Config loading. The config's top-level string `endpoint` (see `endpointFromConfig`) is where
   * the daemon listens unless the `endpoint` option or `<APP>_ENDPOINT` says otherwise.
   * @default { defaults: {} }
   */
  readonly config?: DaemonConfigOptions<C>;
  /**
   * The endpoint a config asks for (undefined: none).
   * @default the config's top-level `endpoint` when it is a string
   */
  readonly endpointFromConfig?: (config: C) => string | undefined;
  /**
   * Version reported by STATUS.
   * @default `server.version`, else sidewire's version
   */
  readonly version?: string;
  /**
   * Extra fields for STATUS / `daemon.status` (they cannot replace the built-in ones).
   * @default none
   */
  readonly status?: () => object;
  /**
   * Runs on RELOAD / SIGHUP after the new config was validated (and the endpoint rebound when it
   * changed). Throw to refuse: the old config (and endpoint) stay and the reply is the error.
   * @default none
   */
  readonly onReload?: (next: C, previous: C) => void | Promise<void>;
  /**
   * Runs while stopping, after the server closed and before the pid file is removed.
   * @default none
   */
  readonly onStop?: () => void | Promise<void>;
  /**
   * Register methods before the daemon listens (`startDaemon` only).
   * @default none
   */
  readonly setup?: (server: Server<S>) => void;
  /**
   * The pid file; `false` for none.
   * @default `<runtime dir>/<name>.pid`
   */
  readonly pidFile?: string | false;
  /**
   * Handle SIGTERM/SIGINT (graceful stop; a second one exits at once) and SIGHUP (reload).
   * @default true
   */
  readonly handleSignals?: boolean;
  /**
   * How long in-flight requests may run once stopping, before they are answered -32005.
   * @default 5000
   */
  readonly drainMs?: number;
  /**
   * Clock for `uptimeSecs` and state events (epoch ms).
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Stop (reason `idle`) once no client has been connected for this many ms: for daemons started
   * on demand by their clients (docs/daemon.md "Start on demand"). 0 = never.
   * @default 0
   */
  readonly idleExitMs?: number;
}

/** `myapp` → `MYAPP_`, `my-app` → `MY_APP_` (like `envVarFor`). */
export function envPrefixFor(app: string): string {
  return `${app.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/** The default `endpointFromConfig`: a top-level string `endpoint`. */
export function configEndpoint(config: unknown): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const value = (config as Record<string, unknown>)['endpoint'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The daemon kit's own defaults (docs/protocol.md "Defaults (daemon kit)" is checked against them). */
export const DAEMON_DEFAULTS = {
  app: 'sidewire',
  drainMs: 5000,
  handleSignals: true,
  idleExitMs: 0,
  socketMode: 0o600,
} as const;

/** The allowed values of the daemon kit's own options; the server options are checked by the server. */
const DAEMON_CHECKS: { readonly [K in Exclude<keyof DaemonOptions, keyof ServerOptions>]-?: Check } = {
  config: nested({ file: nonEmptyText, defaults: object, envPrefix: text, schema: object }, true),
  endpointFromConfig: func,
  version: text,
  status: func,
  onReload: func,
  onStop: func,
  setup: func,
  pidFile: either(literal(false), nonEmptyText),
  handleSignals: bool,
  drainMs: millis(0, '(0 = abort in-flight requests at once)'),
  now: func,
  idleExitMs: millis(0, '(0 = never)'),
};

/** A daemon's options with every default applied, resolved once in the constructor. */
export interface ResolvedDaemonOptions {
  readonly app: string;
  /** The instance name (default: the app). */
  readonly name: string;
  readonly now: () => number;
  readonly drainMs: number;
  readonly handleSignals: boolean;
  /** 0 = never. */
  readonly idleExitMs: number;
  /** The pid file path, or false for none. */
  readonly pidFile: string | false;
  /** Reported by STATUS. */
  readonly version: string;
  /** Mode of the socket file (the owner rule of `daemon.stop` reads it). */
  readonly socketMode: number;
  readonly warn: (message: string) => void;
}

/**
 * Checks the daemon kit's own options and applies every default (the server checks the rest).
 * @throws SidewireError ERR_INVALID_ARGUMENT naming the option, its value and what is allowed
 */
export function resolveDaemonOptions(options: DaemonOptions<ServiceShape, unknown>): ResolvedDaemonOptions {
  checkOptions(options, DAEMON_CHECKS as Record<string, Check>);
  const app = options.app ?? DAEMON_DEFAULTS.app;
  const name = options.name ?? app;
  const onWarning = options.onWarning;
  return {
    app,
    name,
    now: options.now ?? Date.now,
    drainMs: options.drainMs ?? DAEMON_DEFAULTS.drainMs,
    handleSignals: options.handleSignals ?? DAEMON_DEFAULTS.handleSignals,
    idleExitMs: options.idleExitMs ?? DAEMON_DEFAULTS.idleExitMs,
    pidFile: options.pidFile ?? path.join(runtimeDirFor(app, options.env ?? process.env, currentUser()), `${name}.pid`),
    version: options.version ?? options.server?.version ?? VERSION,
    socketMode: options.socketMode ?? DAEMON_DEFAULTS.socketMode,
    warn: onWarning ?? ((m: string) => process.emitWarning(m, { code: 'SIDEWIRE' })),
  };
}
