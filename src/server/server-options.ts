/** Options of `serve()` and the resolved limits every connection uses. */
import type { SharedMemoryOption } from '../transport/shm/shm-options.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { SlowConsumerPolicy } from '../stream/batch-writer.js';
import type { DurableOption } from './durable/durable-store.js';
import type { Timers } from '../util/timers.js';
import { NATS_CHECK, type NatsOptions } from '../transport/nats/nats-options.js';
import type { ModeHandlers } from './connection-router.js';
import type { Logger } from '../observability/logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ServerHealthOptions } from '../observability/server-health.js';
import type { AccessPolicy } from './access-policy.js';
import { MAX_FRAME_LENGTH } from '../framing/limits.js';
import {
  bool, checkOptions, either, func, integer, invalidOption, literal, MAX_COUNT, millis, nested, object, oneOf, text, withMethods,
  type Check,
} from '../util/validate-options.js';

export interface ServerLimits {
  /**
   * Largest incoming message (one NDJSON line, one binary frame), in bytes: an integer from 1 to
   * 4294967295. Larger ones get -32004.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Connections served at once (1 to 1000000); the next one gets one -32005 line and is closed.
   * @default 1024
   */
  readonly maxConnections?: number;
  /**
   * Close a connection that has not sent one significant byte (so its wire mode is unknown)
   * within this many ms of connecting, after one -32003 line (docs/protocol.md "Limits"). Every
   * client speaks first, at once (the TypeScript client sends `$/hello`); this frees the slots of
   * connections that send nothing. 0 = off; at most 2147483647.
   * @default 5000
   */
  readonly firstByteTimeoutMs?: number;
  /**
   * Close connections that have not completed `$/hello` within this many ms. 0 = off (hello is
   * optional on endpoints without a token, docs/protocol.md); at most 2147483647.
   * @default 0
   */
  readonly helloTimeoutMs?: number;
  /**
   * On an endpoint that requires a token: close a connection that has not authenticated (a
   * `$/hello` with the token) within this many ms of connecting, after one -32003 line. 0 = off;
   * at most 2147483647.
   * @default 5000
   */
  readonly authTimeoutMs?: number;
  /**
   * On an endpoint that requires a token: the largest message accepted from a connection that has
   * not authenticated yet (a `$/hello` needs far less), an integer from 1 to 4294967295; the
   * smaller of this and `maxMessageBytes` applies. A larger one gets -32004 and the connection is
   * closed.
   * @default 65536 (64 KiB)
   */
  readonly maxPreAuthMessageBytes?: number;
  /**
   * Bytes held for incomplete incoming messages (partial lines and frames), all connections
   * together, beyond each connection's first 64 KiB (so small messages are never refused): an
   * integer of at least `maxMessageBytes`. The connection whose message would go beyond gets
   * -32005 (id null, `data.limit`) and is closed; the others keep being served.
   * @default 268435456 (256 MiB), or maxMessageBytes when that is larger
   */
  readonly maxBufferedBytes?: number;
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
   * Backpressure on events (docs/protocol.md "Backpressure"): once a connection's buffered
   * outgoing bytes reach this after an event was queued for it, `notify()` returns false,
   * `publish()`/`broadcast()` count it in `server.backedUp`, and 'drain' (clientId) follows when
   * it fell below again. Capped at `highWaterMarkBytes`.
   * @default 1048576 (1 MiB)
   */
  readonly backpressureBytes?: number;
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
  /**
   * Elements in one JSON-RPC batch. A longer batch is answered with one -32600 (id null,
   * `data.limit`) and nothing in it runs; before a token endpoint's `$/hello` the limit is at most
   * 8 (docs/protocol.md "Batches").
   * @default 1000
   */
  readonly maxBatchLength?: number;
  /**
   * Topic patterns one connection may be subscribed to. A `$/subscribe` (or `$/hello` `subscribe`)
   * that would go beyond gets -32005 with `data.limit` and subscribes to none of its topics.
   * @default 1000
   */
  readonly maxSubscriptions?: number;
}

export type ResolvedLimits = Required<ServerLimits>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxConnections: 1024,
  firstByteTimeoutMs: 5000,
  helloTimeoutMs: 0,
  authTimeoutMs: 5000,
  maxPreAuthMessageBytes: 64 * 1024,
  maxBufferedBytes: 256 * 1024 * 1024,
  idleTimeoutMs: 0,
  halfOpenTimeoutMs: 10_000,
  maxInFlight: 1000,
  requestTimeoutMs: 0,
  highWaterMarkBytes: 8 * 1024 * 1024,
  backpressureBytes: 1024 * 1024,
  slowConsumer: 'drop',
  oversized: 'skip',
  maxBatchLength: 1000,
  maxSubscriptions: 1000,
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

/** The allowed values of every limit (a key of `ServerLimits` without a row here does not compile). */
export const LIMIT_CHECKS: { readonly [K in keyof ResolvedLimits]: Check } = {
  maxMessageBytes: integer(1, MAX_FRAME_LENGTH),
  maxConnections: integer(1, MAX_COUNT),
  firstByteTimeoutMs: millis(),
  helloTimeoutMs: millis(),
  authTimeoutMs: millis(),
  maxPreAuthMessageBytes: integer(1, MAX_FRAME_LENGTH),
  maxBufferedBytes: integer(1, Number.MAX_SAFE_INTEGER),
  idleTimeoutMs: millis(),
  halfOpenTimeoutMs: millis(0, '(0 = wait for the handlers)'),
  maxInFlight: integer(1, MAX_COUNT),
  requestTimeoutMs: millis(),
  highWaterMarkBytes: integer(1, MAX_FRAME_LENGTH),
  backpressureBytes: integer(1, MAX_FRAME_LENGTH),
  slowConsumer: oneOf('drop', 'disconnect'),
  oversized: oneOf('skip', 'close'),
  maxBatchLength: integer(1, MAX_COUNT),
  maxSubscriptions: integer(1, MAX_COUNT),
};

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
 * Checks the limits and merges them over the defaults (undefined values keep the default).
 * @throws SidewireError ERR_INVALID_ARGUMENT naming the limit, its value and the allowed range
 */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  checkOptions({ limits }, { limits: nested(LIMIT_CHECKS, true) });
  const out: Record<string, unknown> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(limits)) if (v !== undefined) out[k] = v;
  const resolved = out as ResolvedLimits;
  if (limits.maxBufferedBytes === undefined) {
    out['maxBufferedBytes'] = Math.max(DEFAULT_LIMITS.maxBufferedBytes, resolved.maxMessageBytes);
  } else if (limits.maxBufferedBytes < resolved.maxMessageBytes) {
    throw invalidOption('limits.maxBufferedBytes', limits.maxBufferedBytes, `an integer of at least limits.maxMessageBytes (${resolved.maxMessageBytes})`);
  }
  return resolved;
}

/**
 * Checks every server option once (at construction) and returns the resolved limits.
 * @throws SidewireError ERR_INVALID_ARGUMENT naming the option, its value and what is allowed
 */
export function resolveServerOptions(options: ServerOptions): ResolvedLimits {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', options, 'an object');
  checkOptions(options, SERVER_CHECKS);
  return resolveLimits(options.limits);
}
