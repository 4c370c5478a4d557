/**
 * The server's limits (docs/protocol.md "Limits (server)", checked against DEFAULT_LIMITS by
 * test/docs/defaults-documented.test.ts): each one's meaning and default, the allowed values, and
 * their resolution over the defaults.
 */
import type { SlowConsumerPolicy } from '../stream/batch-writer.js';
import { MAX_FRAME_LENGTH } from '../framing/limits.js';
import { checkOptions, integer, invalidOption, MAX_COUNT, millis, nested, oneOf, type Check } from '../util/validate-options.js';

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
