/** Options of `serve()` and the resolved limits every connection uses. */
import type { SharedMemoryOption } from '../transport/shm/shm-options.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { DurableOption } from './durable/durable-store.js';
import type { Timers } from '../util/timers.js';
import { LIMIT_CHECKS, resolveLimits, type ResolvedLimits, type ServerLimits } from './server-limits.js';

export { DEFAULT_LIMITS, LIMIT_CHECKS, resolveLimits, type ResolvedLimits, type ServerLimits } from './server-limits.js';
import { NATS_CHECK, type NatsOptions } from '../transport/nats/nats-options.js';
import type { ModeHandlers } from './connection-router.js';
import type { Logger } from '../observability/logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ServerHealthOptions } from '../observability/server-health.js';
import type { AccessPolicy } from './access-policy.js';
import {
  bool, checkOptions, either, func, integer, invalidOption, literal, MAX_COUNT, millis, nested, object, oneOf, text, withMethods,
  type Check,
} from '../util/validate-options.js';

export interface ServerOptions {
  /**
   * Application name: runtime dir `<…>/<app>`, env var `<APP>_ENDPOINT`.
   * @default 'sidewire'
   */
  readonly app?: string;
  /**
   * Service name: socket `<name>.sock`, discovery file `<name>.json`.
   * @default the app name
   */
  readonly name?: string;
  /**
   * Where to listen (docs/protocol.md §1); overrides the environment variable.
   * @default the env var, else the platform default
   */
  readonly endpoint?: string | Endpoint;
  /**
   * Environment variable that may hold the endpoint.
   * @default `<APP>_ENDPOINT`
   */
  readonly envVar?: string;
  /**
   * Environment to read.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Allow TCP on a non-loopback address (logs a warning).
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * When a fixed TCP port is busy, try the next ports (`true` = 20).
   * @default false
   */
  readonly portFallback?: boolean | number;
  /**
   * Mode of the socket file.
   * @default 0o600
   */
  readonly socketMode?: number;
  /**
   * Require clients to present the per-start token in `$/hello`.
   * @default true for TCP, false otherwise
   */
  readonly requireToken?: boolean;
  /**
   * Reported in `$/hello` and the discovery file.
   * @default { name: app, version: sidewire's version }
   */
  readonly server?: { readonly name: string; readonly version: string };
  /**
   * Resource limits and policies.
   * @default DEFAULT_LIMITS
   */
  readonly limits?: ServerLimits;
  /**
   * Write the discovery file.
   * @default true
   */
  readonly discovery?: boolean;
  /**
   * Remove socket/discovery files on SIGINT/SIGTERM/exit.
   * @default true
   */
  readonly cleanupOnExit?: boolean;
  /**
   * Called with warnings (remote TCP, endpoint resolution notes).
   * @default write to stderr via process.emitWarning
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Handlers for text and binary connections (later issues plug in here).
   * @default {} (text: `ERR: text mode not enabled on this server`; binary: closed)
   */
  readonly modeHandlers?: ModeHandlers;
  /**
   * Prometheus metrics (docs/observability.md): `true` creates a `ServerMetrics` with its own
   * registry; or pass your own. Read them with `server.metrics`, scrape them through `health`.
   * @default false
   */
  readonly metrics?: boolean | ServerMetrics;
  /**
   * A pino-compatible logger (`consoleLogger()`, `loggerFromEnv()`, pino). Connection lines are
   * debug level and carry `clientId`.
   * @default loggerFromEnv(env): silent unless `SIDEWIRE_LOG=debug|info|…` or `DEBUG=sidewire*` is set
   */
  readonly logger?: Logger;
  /**
   * Start an HTTP server for `GET /health` and `GET /metrics` (loopback TCP or a unix socket)
   * with this server, closed by `close()`; its URL is `server.healthUrl`.
   * @default undefined (no health server)
   */
  readonly health?: ServerHealthOptions;
  /**
   * Durable notifications (docs/reconnect.md): the dedup window, the spool rescan period and the
   * store; `false` refuses `$/durable` and ignores spool files. Same as
   * `server.durable.configure(...)` before `listen()`, which works with `serve()` too.
   * @default { window: 50000, rescanMs: 2000 } with the built-in store
   */
  readonly durable?: DurableOption;
  /**
   * Binary mode's shared-memory side channel (docs/shared-memory.md, Linux with the native helper
   * built): accept a client's ring offered in `$/hello` and offer one of this server's for its
   * large replies and events. `false` refuses every offer (`capabilities.sharedMemory` false).
   * @default true ({ ringBytes: 16777216, minFrameBytes: 65536 })
   */
  readonly sharedMemory?: SharedMemoryOption;
  /**
   * Timer functions.
   * @default real, unref()'d timers
   */
  readonly timers?: Timers;
  /**
   * Which local users may connect, checked on the kernel's peer credentials at accept before any
   * byte is read (docs/security.md "Peer identity"): `'same-user'`, `{ uids, gids }` or
   * `(peer) => boolean`. Where there are no credentials (TCP, pipes, no native helper) the token
   * is the control; with neither, `listen()` fails with ERR_ACCESS_POLICY.
   * @default undefined (anyone who can open the endpoint)
   */
  readonly allow?: AccessPolicy;
  /**
   * On a `nats://` endpoint (docs/nats.md): the service name, the first token of every subject
   * (`<service>.rpc.<method>`, `<service>.evt.<topic>`) and the queue group instances share.
   * @default the app name
   */
  readonly service?: string;
  /**
   * On a `nats://` endpoint: credentials and TLS for the NATS server (never in the endpoint string).
   * @default {} (no credentials, plain TCP)
   */
  readonly nats?: NatsOptions;
}


/** The allowed values of the server options (not strict: the daemon kit passes a superset). */
const SERVER_CHECKS: { readonly [K in keyof ServerOptions]-?: Check } = {
  app: text,
  name: text,
  endpoint: either(text, object),
  envVar: text,
  env: object,
  allowRemote: bool,
  portFallback: either(bool, integer(0, 65535)),
  socketMode: { expected: 'a file mode from 0 to 0o777 (e.g. 0o600)', test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 },
  requireToken: bool,
  server: {
    expected: 'an object { name, version } of two strings',
    test: (v) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { version?: unknown }).version === 'string',
  },
  limits: nested(LIMIT_CHECKS, true),
  discovery: bool,
  cleanupOnExit: bool,
  onWarning: func,
  modeHandlers: nested({ text: func, binary: func }, true),
  metrics: either(bool, object),
  logger: withMethods('debug', 'info', 'warn', 'error'),
  health: nested({
    port: integer(0, 65535), host: text, path: text, allowRemote: bool, allowedHosts: object,
    dashboard: either(bool, nested({ token: text, payloads: bool, intervalMs: integer(1, 3_600_000), maxStreamBufferBytes: integer(1, 2 ** 31), maxStreams: integer(1, 10_000) }, true)),
  }, true),
  durable: either(literal(false), nested({ window: integer(1, 10 * MAX_COUNT), rescanMs: millis(0, '(0 = only at start)'), store: func }, true)),
  sharedMemory: either(bool, object), // its ranges: resolveSharedMemory (shm-options.ts), also at construction
  timers: withMethods('setTimeout', 'clearTimeout', 'now'),
  allow: either(oneOf('same-user'), object, func), // the lists: resolveAccessPolicy (access-policy.ts)
  service: text,
  nats: NATS_CHECK,
};


/**
 * Checks every server option once (at construction) and returns the resolved limits.
 * @throws SidewireError ERR_INVALID_ARGUMENT naming the option, its value and what is allowed
 */
export function resolveServerOptions(options: ServerOptions): ResolvedLimits {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', options, 'an object');
  checkOptions(options, SERVER_CHECKS);
  return resolveLimits(options.limits);
}
