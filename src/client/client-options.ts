/** Options of `connect()`, with the allowed values of each (checked once, when the client is made). */
import type { SpawnOptions } from './start-on-demand.js';
import { resolveSharedMemory, type SharedMemoryOption } from '../transport/shm/shm-options.js';
import { MAX_FRAME_LENGTH } from '../framing/limits.js';
import {
  bool, checkOptions, either, func, integer, invalidOption, literal, MAX_COUNT, MAX_TIMER_MS, millis, nested, numberIn, object, oneOf,
  nonEmptyText, text, withMethods, type Check, type OptionTable,
} from '../util/validate-options.js';
import type { Socket } from 'node:net';
import { DEFAULT_CLIENT_HIGH_WATER_MARK, DEFAULT_CLIENT_MAX_BUFFERED } from './flow-control.js';
import type { ClientSpoolOptions } from './durable/client-spool.js';
import type { ReconnectOptions } from './backoff.js';
import type { QueueOptions } from './call-queue.js';
import type { ClientTarget, ClientTargetOptions } from '../transport/client-target.js';
import type { Timers } from '../util/timers.js';
import type { ClientMetrics } from '../observability/client-metrics.js';
import type { Logger } from '../observability/logger.js';
import { NATS_CHECK, type NatsOptions } from '../transport/nats/nats-options.js';

/** Opens the byte stream for one connection attempt. */
export type TransportFactory = (target: ClientTarget, options: { timeoutMs: number }) => Promise<Socket>;

export interface ClientOptions extends ClientTargetOptions {
  /**
   * Who this client is, sent in `$/hello` (with this process's pid and ppid).
   * @default { name: 'sidewire-client', version: sidewire's version }
   */
  readonly client?: { readonly name: string; readonly version: string };
  /**
   * Limit for connecting plus the `$/hello` reply, in ms: an integer from 1 to 2147483647.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Default timeout of `call()`, in ms: an integer from 0 (none) to 2147483647. Per call:
   * `call(m, p, { timeoutMs })`.
   * @default 30000
   */
  readonly callTimeoutMs?: number;
  /**
   * Wire mode (docs/protocol.md). `binary`: length-prefixed MessagePack frames, fastest, and
   * Buffers/Uint8Arrays in params and results travel as raw bytes (they arrive as Buffers).
   * `json`: NDJSON, what every other language speaks; Buffers become whatever JSON.stringify makes
   * of them. `auto`: binary (every sidewire server speaks it), falling back to JSON once when the
   * server closes a binary connection without answering (a server without binary mode).
   * `lsp`: JSON mode's messages with `Content-Length` headers (LSP framing, docs/protocol.md), as
   * editors' JSON-RPC libraries frame them.
   * @default 'auto'
   */
  readonly mode?: 'json' | 'binary' | 'lsp' | 'auto';
  /**
   * Largest accepted incoming message, in bytes: an integer from 1 to 4294967295.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Binary mode's shared-memory side channel (docs/shared-memory.md, Linux with the native helper
   * built): large frames travel through a ring file shared with the server instead of the socket,
   * when the server accepts it in `$/hello`. `false` turns it off; an object sets the ring size
   * and the smallest frame that uses it. Off by itself where it cannot work (no helper, not Linux,
   * `SIDEWIRE_SHM=0`, a server that refuses): frames then go over the socket, nothing else changes.
   * @default true ({ ringBytes: 16777216, minFrameBytes: 65536 })
   */
  readonly sharedMemory?: SharedMemoryOption;
  /**
   * Opens the byte stream (tests, custom transports).
   * @default connectTransport(target.endpoint, { timeoutMs })
   */
  readonly transportFactory?: TransportFactory;
  /**
   * Timer functions (also the reconnect backoff and queue deadlines).
   * @default real, unref()'d timers
   */
  readonly timers?: Timers;
  /**
   * Reconnect after the connection is lost (docs/reconnect.md); `false` = never (the client
   * closes with reason `lost`, as a plain connection would).
   * @default { initialDelayMs: 100, factor: 2, maxDelayMs: 5000, jitter: 0.2, maxAttempts: 10 }
   */
  readonly reconnect?: ReconnectOptions | false;
  /**
   * The queue that calls wait in while the client is not ready.
   * @default { maxSize: 1000, timeoutMs: 10000 }
   */
  readonly queue?: QueueOptions;
  /**
   * Durable notifications: `true` makes every `notify()` durable; an object also sets the spool's
   * limits. Per call: `notify(method, params, { durable: true })`.
   * @default false
   */
  readonly spool?: boolean | ClientSpoolOptions;
  /**
   * Prometheus metrics of this client: reconnections and call outcomes (docs/observability.md).
   * @default undefined (none)
   */
  readonly metrics?: ClientMetrics;
  /**
   * Backpressure (docs/protocol.md "Backpressure"): once the client holds this many bytes for the
   * server (written and not yet taken by the OS, waiting for shared-ring room, or spooled and not
   * yet acknowledged), `notify()` returns false (nothing is dropped: slow down, then
   * `await client.drained()` or wait for the 'drain' event). An integer from 1 to 4294967295.
   * @default 262144 (256 KiB)
   */
  readonly highWaterMarkBytes?: number;
  /**
   * Hard bound on the connection's buffered outgoing bytes: at or above it `notify()` throws
   * ERR_QUEUE_FULL instead of buffering more. An integer from 1 to 9007199254740991, at least
   * `highWaterMarkBytes`.
   * @default 67108864 (64 MiB)
   */
  readonly maxBufferedBytes?: number;
  /**
   * A pino-compatible logger: connected / reconnected (info), connection lost (warn), gave up (error).
   * @default undefined (silent)
   */
  readonly logger?: Logger;
  /**
   * Start on demand (docs/daemon.md "Start on demand"): when nothing listens, start this daemon
   * (detached, once for all the clients that find the endpoint empty at the same time) and
   * connect when it answers `$/hello`. Also on reconnects.
   * @default undefined (ERR_NOT_RUNNING when nothing listens)
   */
  readonly spawn?: SpawnOptions;
  /**
   * On a `nats://` endpoint (docs/nats.md): the service to call, the first token of its subjects.
   * @default the app name
   */
  readonly service?: string;
  /**
   * On a `nats://` endpoint: credentials and TLS for the NATS server (never in the endpoint string).
   * @default {} (no credentials, plain TCP)
   */
  readonly nats?: NatsOptions;
}

export interface NotifyOptions {
  /**
   * Spool the notification to a file first (fsync'd), then deliver it once the server is
   * reachable, now or after a restart; the server drops duplicates by id (docs/reconnect.md).
   * `notify` then returns a promise of a `DurableReceipt`.
   * @default the client's `spool` option (false)
   */
  readonly durable?: boolean;
}

export interface CallOptions {
  /**
   * Reject with TimeoutError ERR_TIMEOUT (and send `$/cancel`) after this long; 0 = never.
   * @default the client's callTimeoutMs (30000)
   */
  readonly timeoutMs?: number;
  /**
   * Abort the call: it rejects with the signal's reason and `$/cancel` is sent.
   * @default undefined
   */
  readonly signal?: AbortSignal;
  /**
   * Safe to run twice: when the connection drops after the call was sent, it is sent once more
   * after reconnecting instead of failing with ERR_CONNECTION_LOST.
   * @default false
   */
  readonly idempotent?: boolean;
}

/** The client's scalar defaults (docs/protocol.md "Defaults (client)" is checked against them). */
export const CLIENT_DEFAULTS = {
  connectTimeoutMs: 5000,
  callTimeoutMs: 30_000,
  mode: 'auto',
  maxMessageBytes: 16 * 1024 * 1024,
} as const;

/** The timeout of a call that sets none: `ClientOptions.callTimeoutMs`, else 30 s. */
export function callTimeoutOf(options: ClientOptions): number {
  return options.callTimeoutMs ?? CLIENT_DEFAULTS.callTimeoutMs;
}

const attempts: Check = {
  expected: 'an integer from 0 to 1000000 or Infinity (0 = do not reconnect)',
  test: (v) => v === Infinity || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT),
};

/** `reconnect` (backoff.ts applies them; these are its ranges). */
const RECONNECT_CHECKS: OptionTable = {
  initialDelayMs: numberIn(0, MAX_TIMER_MS),
  factor: numberIn(1, 1000),
  maxDelayMs: numberIn(0, MAX_TIMER_MS),
  jitter: numberIn(0, 1),
  maxAttempts: attempts,
  random: func,
};

/** The allowed values of every client option (a key of `ClientOptions` without a row does not compile). */
const CLIENT_CHECKS: { readonly [K in keyof ClientOptions]-?: Check } = {
  app: text,
  name: text,
  endpoint: either(text, object),
  envVar: text,
  env: object,
  token: text,
  allowRemote: bool,
  client: {
    expected: 'an object { name, version } of two strings',
    test: (v) => typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' && typeof (v as { version?: unknown }).version === 'string',
  },
  connectTimeoutMs: millis(1),
  callTimeoutMs: millis(0, '(0 = none)'),
  mode: oneOf('json', 'binary', 'lsp', 'auto'),
  maxMessageBytes: integer(1, MAX_FRAME_LENGTH),
  sharedMemory: either(bool, object), // its ranges: resolveSharedMemory (shm-options.ts), below
  transportFactory: func,
  timers: withMethods('setTimeout', 'clearTimeout', 'now'),
  reconnect: either(literal(false), nested(RECONNECT_CHECKS, true)),
  queue: nested({ maxSize: integer(0, MAX_COUNT), timeoutMs: millis(0, '(0 = only the call\'s own timeout)') }, true),
  spool: either(bool, nested({ batchSize: integer(1, MAX_COUNT), maxBytes: integer(1, Number.MAX_SAFE_INTEGER), now: func }, true)),
  metrics: object,
  highWaterMarkBytes: integer(1, MAX_FRAME_LENGTH),
  maxBufferedBytes: integer(1, Number.MAX_SAFE_INTEGER),
  logger: withMethods('debug', 'info', 'warn', 'error'),
  spawn: nested({ command: nonEmptyText, args: { expected: 'an array of strings', test: (v) => Array.isArray(v) && v.every((a) => typeof a === 'string') }, env: object, cwd: text, readyTimeoutMs: millis(1) }, true),
  service: text,
  nats: NATS_CHECK,
};

/**
 * Checks every client option once, when the client is made.
 * @throws SidewireError ERR_INVALID_ARGUMENT naming the option, its value and what is allowed
 */
export function validateClientOptions(options: ClientOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', options, 'an object');
  checkOptions(options, CLIENT_CHECKS);
  const hwm = options.highWaterMarkBytes ?? DEFAULT_CLIENT_HIGH_WATER_MARK;
  if ((options.maxBufferedBytes ?? DEFAULT_CLIENT_MAX_BUFFERED) < hwm) {
    throw invalidOption('maxBufferedBytes', options.maxBufferedBytes, `at least highWaterMarkBytes (${hwm})`);
  }
  resolveSharedMemory(options.sharedMemory);
}
