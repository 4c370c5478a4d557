/** Options of `serve()` and the resolved limits every connection uses. */
import type { SharedMemoryOption } from '../transport/shm/shm-options.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { SlowConsumerPolicy } from './batch-writer.js';
import type { DurableOption } from '../spool/durable-store.js';
import type { Timers } from './timers.js';
import type { ModeHandlers } from './connection-router.js';
import type { Logger } from '../observability/logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ServerHealthOptions } from '../observability/server-health.js';

export interface ServerLimits {
  /**
   * Largest incoming message (one NDJSON line), in bytes. Larger ones get -32004.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Connections served at once; the next one gets one -32005 line and is closed.
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Close connections that have not completed `$/hello` within this many ms. 0 = off (hello is
   * optional on endpoints without a token, DESIGN.md §4).
   * @default 0
   */
  readonly helloTimeoutMs?: number;
  /**
   * Close connections that sent nothing for this many ms while no request of theirs is in
   * flight. 0 = off.
   * @default 0
   */
  readonly idleTimeoutMs?: number;
  /**
   * After a client's EOF (it may have half-closed, like `socat`, or died), its requests still
   * running after this many ms are aborted and the connection is closed. 0 = wait for them.
   * @default 10000
   */
  readonly halfOpenTimeoutMs?: number;
  /**
   * Requests in flight per connection; more get -32005.
   * @default 1000
   */
  readonly maxInFlight?: number;
  /**
   * Requests running longer get -32003 and their `signal` is aborted. 0 = off. For a plain method
   * (no params schema) it counts from when the handler returned its promise: the synchronous
   * part of a handler cannot be interrupted anyway.
   * @default 0
   */
  readonly requestTimeoutMs?: number;
  /**
   * Outgoing bytes buffered per connection above which the slow-consumer policy applies.
   * @default 8388608 (8 MiB)
   */
  readonly highWaterMarkBytes?: number;
  /**
   * `drop`: events for a client over the high-water mark are dropped and counted
   * (`ClientInfo.droppedEvents`); `disconnect`: that client is disconnected.
   * @default 'drop'
   */
  readonly slowConsumer?: SlowConsumerPolicy;
  /**
   * `skip`: an oversized message is answered with -32004 (id null) and skipped; `close`: same
   * answer, then the connection is closed.
   * @default 'skip'
   */
  readonly oversized?: 'skip' | 'close';
}

export type ResolvedLimits = Required<ServerLimits>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxConnections: 1024,
  helloTimeoutMs: 0,
  idleTimeoutMs: 0,
  halfOpenTimeoutMs: 10_000,
  maxInFlight: 1000,
  requestTimeoutMs: 0,
  highWaterMarkBytes: 8 * 1024 * 1024,
  slowConsumer: 'drop',
  oversized: 'skip',
};

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
   * Where to listen (DESIGN.md §1); overrides the environment variable.
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
}

/** Merges user limits over the defaults (undefined values keep the default). */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  const out: Record<string, unknown> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(limits)) if (v !== undefined) out[k] = v;
  return out as ResolvedLimits;
}
