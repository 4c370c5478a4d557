/**
 * Options of the daemon kit (`createDaemon` / `startDaemon`): every server option, plus config,
 * pid file, signals, status fields and hooks.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Server } from '../server/server.js';
import type { ServerOptions } from '../server/server-options.js';
import type { ServiceShape } from '../protocol/service.js';

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
