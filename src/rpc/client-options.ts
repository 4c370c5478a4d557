/** Options of `connect()`. */
import type { SharedMemoryOption } from '../transport/shm/shm-options.js';
import type { Socket } from 'node:net';
import type { ClientSpoolOptions } from '../spool/client-spool.js';
import type { ReconnectOptions } from './backoff.js';
import type { QueueOptions } from './call-queue.js';
import type { ClientTarget, ClientTargetOptions } from './client-target.js';
import type { Timers } from './timers.js';
import type { ClientMetrics } from '../observability/client-metrics.js';
import type { Logger } from '../observability/logger.js';

/** Opens the byte stream for one connection attempt. */
export type TransportFactory = (target: ClientTarget, options: { timeoutMs: number }) => Promise<Socket>;

export interface ClientOptions extends ClientTargetOptions {
  /**
   * Who this client is, sent in `$/hello` (with this process's pid and ppid).
   * @default { name: 'sidewire-client', version: sidewire's version }
   */
  readonly client?: { readonly name: string; readonly version: string };
  /**
   * Limit for connecting plus the `$/hello` reply.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Default timeout of `call()`; 0 = none. Per call: `call(m, p, { timeoutMs })`.
   * @default 30000
   */
  readonly callTimeoutMs?: number;
  /**
   * Wire mode (docs/protocol.md). `binary`: length-prefixed MessagePack frames, fastest, and
   * Buffers/Uint8Arrays in params and results travel as raw bytes (they arrive as Buffers).
   * `json`: NDJSON, what every other language speaks; Buffers become whatever JSON.stringify makes
   * of them. `auto`: binary (every sidewire server speaks it), falling back to JSON once when the
   * server closes a binary connection without answering (a server without binary mode).
   * @default 'auto'
   */
  readonly mode?: 'json' | 'binary' | 'auto';
  /**
   * Largest accepted incoming message, in bytes.
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
   * A pino-compatible logger: connected / reconnected (info), connection lost (warn), gave up (error).
   * @default undefined (silent)
   */
  readonly logger?: Logger;
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

/** The timeout of a call that sets none: `ClientOptions.callTimeoutMs`, else 30 s. */
export function callTimeoutOf(options: ClientOptions): number {
  return options.callTimeoutMs ?? 30_000;
}
