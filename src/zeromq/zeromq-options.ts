/**
 * Options of `attachZeroMQ` (docs/zeromq.md "Options"), checked once when the endpoint is
 * attached: a wrong type, value or misspelt key is ERR_INVALID_ARGUMENT naming the option.
 */
import { bool, checkOptions, either, integer, MAX_COUNT, MAX_TIMER_MS, nonEmptyText, object, oneOf } from '../util/validate-options.js';
import { createError } from '../errors.js';
import type { AdapterPort } from '../server/adapter-port.js';
import { resolvePlainMapping, type PlainMapping, type ResolvedPlainMapping } from './plain-mapping.js';

/** The longest ZeroMQ message accepted, as ZMQ_MAXMSGSIZE is a signed 64-bit count but Buffers are smaller. */
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

export interface ZeroMQOptions {
  /**
   * Where REQ (or DEALER) peers connect: `ipc:///abs/path.sock`, `ipc://@name` (Linux) or
   * `tcp://host:port` (loopback unless `allowRemote`; port 0 picks a free one). Required unless
   * `publish` is given.
   * @default undefined (no request socket)
   */
  readonly endpoint?: string;
  /**
   * `rep`: a REP socket, one request at a time (the classic REQ/REP pair); `router`: a ROUTER
   * socket, requests of all peers run concurrently (REQ and DEALER peers alike).
   * @default 'rep'
   */
  readonly socket?: 'rep' | 'router';
  /**
   * Where SUB peers connect to get the server's events (frames: topic, JSON payload); same forms
   * as `endpoint`.
   * @default undefined (no PUB socket)
   */
  readonly publish?: string;
  /**
   * Plain JSON requests (`{type, payload}` → method); `false` refuses them with -32600.
   * @default true (the type is the method name, the reply is `{type, payload: result}`)
   */
  readonly plain?: PlainMapping | boolean;
  /**
   * Accept a non-loopback TCP host (a warning is returned). ZeroMQ peers present no token.
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * Mode of `ipc://` socket files.
   * @default 0o600
   */
  readonly socketMode?: number;
  /**
   * How long to wait for the `<path>.lock` of a live process before ERR_ENDPOINT_IN_USE.
   * @default 2000
   */
  readonly lockTimeoutMs?: number;
  /**
   * `router` only: requests in flight over all peers; one beyond is answered -32005 at once.
   * @default 1000
   */
  readonly maxInFlight?: number;
  /**
   * Events waiting to be handed to the PUB socket; beyond, the oldest are dropped (counted in
   * `droppedEvents`). ZeroMQ then drops per slow SUB peer at its high-water mark.
   * @default 1000
   */
  readonly maxQueuedEvents?: number;
  /**
   * Longest request in bytes; a peer sending a longer one is disconnected by libzmq (ZMQ_MAXMSGSIZE).
   * @default the server's `limits.maxMessageBytes` (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Remove `ipc://` socket files on SIGINT/SIGTERM/exit.
   * @default true
   */
  readonly cleanupOnExit?: boolean;
  /**
   * App and service name, for the example paths in error fixes.
   * @default 'sidewire'
   */
  readonly app?: string;
  /** @default app */
  readonly name?: string;
}

export interface ResolvedZeroMQOptions {
  readonly endpoint: string | undefined;
  readonly socket: 'rep' | 'router';
  readonly publish: string | undefined;
  readonly plain: ResolvedPlainMapping | undefined;
  readonly allowRemote: boolean;
  readonly socketMode: number;
  readonly lockTimeoutMs: number;
  readonly maxInFlight: number;
  readonly maxQueuedEvents: number;
  readonly maxMessageBytes: number;
  readonly cleanupOnExit: boolean;
  readonly app: string;
  readonly name: string;
}

const TABLE = {
  endpoint: nonEmptyText,
  socket: oneOf('rep', 'router'),
  publish: nonEmptyText,
  plain: either(bool, object),
  allowRemote: bool,
  socketMode: integer(0, 0o777),
  lockTimeoutMs: integer(0, MAX_TIMER_MS),
  maxInFlight: integer(1, MAX_COUNT),
  maxQueuedEvents: integer(1, MAX_COUNT),
  maxMessageBytes: integer(1, MAX_MESSAGE_BYTES),
  cleanupOnExit: bool,
  app: nonEmptyText,
  name: nonEmptyText,
};

/**
 * Checks `options` once and fills in the defaults.
 * @throws SidewireError ERR_INVALID_ARGUMENT
 */
export function resolveZeroMQOptions(options: ZeroMQOptions, port: AdapterPort): ResolvedZeroMQOptions {
  if (typeof options !== 'object' || options === null) {
    throw createError('ERR_INVALID_ARGUMENT', 'attachZeroMQ needs an options object, e.g. { endpoint: "ipc:///tmp/app.sock" }', { fixes: ['pass { endpoint: "ipc:///abs/path.sock" } or { endpoint: "tcp://127.0.0.1:5555" }'] });
  }
  checkOptions(options, TABLE, { strict: true });
  if (options.endpoint === undefined && options.publish === undefined) {
    throw createError('ERR_INVALID_ARGUMENT', 'attachZeroMQ needs endpoint (for REQ peers), publish (for SUB peers), or both', {
      fixes: ['pass { endpoint: "ipc:///abs/path.sock" }, and publish: "ipc:///abs/path-pub.sock" for events'],
      details: { option: 'endpoint' },
    });
  }
  const app = options.app ?? 'sidewire';
  return {
    endpoint: options.endpoint,
    socket: options.socket ?? 'rep',
    publish: options.publish,
    plain: resolvePlainMapping(options.plain),
    allowRemote: options.allowRemote ?? false,
    socketMode: options.socketMode ?? 0o600,
    lockTimeoutMs: options.lockTimeoutMs ?? 2000,
    maxInFlight: options.maxInFlight ?? 1000,
    maxQueuedEvents: options.maxQueuedEvents ?? 1000,
    maxMessageBytes: options.maxMessageBytes ?? Math.min(port.limits.maxMessageBytes, MAX_MESSAGE_BYTES),
    cleanupOnExit: options.cleanupOnExit ?? true,
    app,
    name: options.name ?? app,
  };
}
