/**
 * The daemon kit under `sidewire serve`: state (STATUS/PAUSE/RESUME/RELOAD/PING/HELP in JSON and
 * text mode, `daemon.stop`), pid file, SIGTERM/SIGINT graceful stop, SIGHUP reload, and an
 * optional JSON config file (`--config FILE`).
 *
 * The config is any JSON object; a top-level string `endpoint` is where to listen (unless
 * `--endpoint` or `<APP>_ENDPOINT` is set), and RELOAD rebinds when it changed. STATUS shows the
 * current config as `config`, so a reload is visible.
 */
import type { AccessPolicy } from '../server/access-policy.js';
import type { NatsOptions } from '../transport/nats/nats-options.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createDaemon, type Daemon } from '../daemon/daemon.js';
import type { ReferenceService } from './reference-daemon.js';
import type { CliObservability } from './observability-flags.js';

/** The config of `sidewire serve`. */
export interface ServeConfig {
  /** Where to listen (an endpoint string); optional. */
  readonly endpoint?: string;
  readonly [key: string]: unknown;
}

/** Any JSON object whose `endpoint`, when present, is a non-empty string. */
export const serveConfigSchema: StandardSchemaV1<unknown, ServeConfig> = {
  '~standard': {
    version: 1,
    vendor: 'sidewire',
    validate(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { issues: [{ message: 'expected a JSON object' }] };
      const endpoint = (value as Record<string, unknown>)['endpoint'];
      if (endpoint !== undefined && (typeof endpoint !== 'string' || endpoint === '')) {
        return { issues: [{ message: `expected an endpoint string such as "unix:///tmp/x.sock", got ${JSON.stringify(endpoint)}`, path: ['endpoint'] }] };
      }
      return { value: value as ServeConfig };
    },
  },
};

export interface ServeDaemonOptions {
  /** Application name. */
  readonly app: string;
  /** Service name. @default the app name */
  readonly name?: string;
  /** Explicit endpoint (`--endpoint`). @default from `<APP>_ENDPOINT`, the config, or the platform */
  readonly endpoint?: string;
  /** The config file (`--config`). @default none */
  readonly configFile?: string;
  /** The environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Warnings (reload failures on SIGHUP, endpoint notes). */
  readonly onWarning: (message: string) => void;
  /** Metrics, health server and logger of the server (`--health-port`). @default none */
  readonly observability?: CliObservability;
  /** Listen on a non-loopback TCP address (`--allow-remote`). @default false */
  readonly allowRemote?: boolean;
  /** The pid file (`--pid-file`, or beside/keyed by an explicit endpoint). @default `<runtime dir>/<name>.pid` */
  readonly pidFile?: string;
  /** Which local users may connect (`--allow`). @default anyone who can open the endpoint */
  readonly allow?: AccessPolicy;
  /** Stop once no client has been connected for this long (`--idle-exit-ms`). @default 0 (never) */
  readonly idleExitMs?: number;
  /** On a nats:// endpoint (`--service`). @default the app name */
  readonly service?: string;
  /** On a nats:// endpoint: credentials (`--nats-token-file`, `--nats-creds`). @default none */
  readonly nats?: NatsOptions;
}

/** The reference daemon's kit; register the reference methods on `daemon.server`, then `start()`. */
export function createServeDaemon(options: ServeDaemonOptions): Daemon<ReferenceService, ServeConfig> {
  const daemon: Daemon<ReferenceService, ServeConfig> = createDaemon<ReferenceService, ServeConfig>({
    app: options.app,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    env: options.env,
    onWarning: options.onWarning,
    ...options.observability,
    ...(options.allowRemote === true ? { allowRemote: true } : {}),
    ...(options.pidFile === undefined ? {} : { pidFile: options.pidFile }),
    ...(options.allow === undefined ? {} : { allow: options.allow }),
    ...(options.idleExitMs === undefined ? {} : { idleExitMs: options.idleExitMs }),
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(options.nats === undefined ? {} : { nats: options.nats }),
    config: {
      defaults: {},
      schema: serveConfigSchema,
      ...(options.configFile === undefined ? {} : { file: options.configFile }),
    },
    status: () => ({ config: daemon.config }),
  });
  return daemon;
}
