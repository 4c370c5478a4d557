/**
 * The one object through which a `Server` reports what happens to metrics (`ServerMetrics`,
 * optional), diagnostics channels and the logger. The rpc layer calls it at a few places:
 * when a socket's mode is sniffed, when a JSON/binary connection opens and closes, per request,
 * per error reply, and for errors no caller sees.
 *
 * Cost: without metrics, each hook is a null check plus a `hasSubscribers` check; nothing is
 * allocated per message or per request unless a diagnostics channel has subscribers. Logging
 * happens per connection (never per message), and every line about a connection carries
 * `clientId`.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WireMode } from '../framing/sniff.js';
import { channels, publishServerConnect, publishServerDisconnect, publishServerError } from './channels.js';
import { loggerFromEnv, silentLogger, type Logger } from './logger.js';
import { setSocketMeter } from './socket-meter.js';
import { ServerMetrics, type RefusalReason } from './metrics.js';
import type { TrafficMeter } from './traffic-meter.js';
import { EventTail, type EventTailOptions } from './event-tail.js';

/** JSON-RPC "unauthorized" (docs/protocol.md §4): a `$/hello` failing with it counts as an `auth` refusal. */
const UNAUTHORIZED = -32001;

/** What the observer needs to know about a finished request's response. */
export interface ObservedResponse {
  readonly id: string | number | null;
  readonly error?: { readonly code: number; readonly message: string };
}

export interface ServerObserverOptions {
  /**
   * Where counts go.
   * @default undefined (no metrics: the hooks cost a null check)
   */
  readonly metrics?: ServerMetrics;
  /**
   * Where connection lines (debug), refusals (warn) and unseen errors (error) go.
   * @default silentLogger
   */
  readonly logger?: Logger;
  /**
   * Monotonic clock in ms for request durations.
   * @default performance.now
   */
  readonly now?: () => number;
}

/** What is known about why a connection closed. */
export interface CloseFacts {
  /** The socket failed rather than ended normally. */
  readonly hadError: boolean;
  readonly error?: Error;
  /** The server was closing at the time. */
  readonly serverClosing: boolean;
}

/** A short reason for the disconnect channel and log: `server closing`, the error's message, `socket error` or `closed`. */
export function closeReason(facts: CloseFacts): string {
  if (facts.serverClosing) return 'server closing';
  if (facts.error !== undefined) return facts.error.message;
  return facts.hadError ? 'socket error' : 'closed';
}

/** The observability options of a server (`ServerOptions.metrics` / `logger`). */
export interface ServerObservabilityOptions {
  /**
   * Prometheus metrics: `true` creates a `ServerMetrics` with its own registry; pass your own
   * `ServerMetrics` to choose the registry or prefix. Read them with `server.metrics`.
   * @default false
   */
  readonly metrics?: boolean | ServerMetrics;
  /**
   * A pino-compatible logger (`consoleLogger()`, `loggerFromEnv()`, pino itself).
   * @default loggerFromEnv(env): silent unless `SIDEWIRE_LOG` or `DEBUG=sidewire*` asks for lines on stderr
   */
  readonly logger?: Logger;
  /**
   * The environment the default logger reads.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The observer for a server with these options. */
export function createServerObserver(options: ServerObservabilityOptions): ServerObserver {
  const m = options.metrics;
  const metrics = m instanceof ServerMetrics ? m : m === true ? new ServerMetrics() : undefined;
  return new ServerObserver({ ...(metrics === undefined ? {} : { metrics }), logger: options.logger ?? loggerFromEnv(options.env ?? process.env) });
}

export class ServerObserver {
  /** The metrics, when enabled. */
  readonly metrics: ServerMetrics | undefined;
  readonly logger: Logger;
  /** The dashboard's recent-events tail, once `enableTail()` was called (docs/observability.md "Dashboard"). */
  tail: EventTail | undefined;
  readonly #now: () => number;

  constructor(options: ServerObserverOptions = {}) {
    this.metrics = options.metrics;
    this.logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Starts keeping the recent-events tail for the dashboard. */
  enableTail(options: EventTailOptions = {}): EventTail {
    this.tail ??= new EventTail(options);
    return this.tail;
  }

  /** An event was published on `topic` and queued for `receivers` clients (kept in the tail only). */
  published(topic: string, data: unknown, receivers: number): void {
    this.tail?.published(topic, data, receivers);
  }

  /** The traffic meter for message streams of `mode`; undefined when metrics are off. */
  meter(mode: WireMode): TrafficMeter | undefined {
    return this.metrics?.meter(mode);
  }

  /**
   * The router sniffed `socket`'s mode from `chunk` (or found an invalid first byte). Counts the
   * connection by mode until the socket closes, and (JSON, binary) its incoming bytes from
   * `chunk` on and its outgoing traffic (see `setSocketMeter`). Call it before the mode handler
   * resumes the socket. Text connections have no `Connection` object, so their traffic (one
   * line each way) is counted here when they close; the text mode reports their clientId with
   * `clientConnected` / `clientDisconnected`.
   */
  routed(mode: WireMode | 'invalid', socket: Socket, chunk: Buffer): void {
    if (mode === 'invalid') {
      this.connectionRefused('invalid', {});
      return;
    }
    const m = this.metrics;
    if (m !== undefined) {
      m.connectionOpened(mode);
      const meter = m.meter(mode);
      if (mode !== 'text') {
        meter.received(chunk.length);
        socket.on('data', (data: Buffer) => meter.received(data.length));
        setSocketMeter(socket, meter);
      }
      socket.once('close', () => {
        m.connectionClosed(mode);
        if (mode === 'text') countTextExchange(meter, socket);
      });
    }
  }

  /** A connection was refused: too many connections (`limit`), a bad token (`auth`), an unknown first byte (`invalid`). */
  connectionRefused(reason: RefusalReason, details: Record<string, unknown>): void {
    this.metrics?.connectionRefused(reason);
    if (reason === 'limit') this.logger.warn({ reason, ...details }, 'connection refused: too many connections');
    else this.logger.debug({ reason, ...details }, `connection refused (${reason})`);
  }

  /** A connection (JSON, binary, or a text session) was set up with `clientId`. */
  clientConnected(clientId: string, mode: WireMode): void {
    publishServerConnect({ clientId, mode });
    this.tail?.push('connect', mode, { clientId });
    this.logger.debug({ clientId, mode }, 'client connected');
  }

  /**
   * A connection set up with `clientConnected` closed. `reason` is a short text, or the stream's
   * close info (and whether the server is closing), turned into one by `closeReason`.
   */
  clientDisconnected(clientId: string, mode: WireMode, durationMs: number, reason: string | CloseFacts): void {
    if (typeof reason !== 'string') reason = closeReason(reason);
    publishServerDisconnect({ clientId, mode, durationMs, reason });
    this.tail?.push('disconnect', mode, { clientId, detail: reason });
    this.logger.debug({ clientId, mode, durationMs, reason }, 'client disconnected');
  }

  /**
   * A request started. Returns a start time for `requestDone` (0 when nobody needs durations).
   * Every call must be paired with exactly one `requestDone`.
   */
  requestStarted(): number {
    const m = this.metrics;
    if (m !== undefined) {
      m.requestStarted();
      return this.#now();
    }
    return channels.serverRequest.hasSubscribers ? this.#now() : 0;
  }

  /** A request started with `requestStarted()` (which returned `started`) was answered with `response`. */
  requestDone(clientId: string, method: string, id: string | number | null, started: number, response: ObservedResponse): void {
    const m = this.metrics;
    const publish = channels.serverRequest.hasSubscribers;
    const error = response.error;
    if (error !== undefined) this.tail?.push('request-error', method, { clientId, detail: `${error.code} ${error.message}` });
    if (m === undefined && !publish) return;
    const durationMs = started === 0 ? 0 : this.#now() - started;
    if (m !== undefined) {
      m.requestDone(method, durationMs / 1000);
      if (error !== undefined && error.code === UNAUTHORIZED && method === '$/hello') m.connectionRefused('auth');
    }
    if (publish) {
      channels.serverRequest.publish(
        error === undefined
          ? { clientId, method, id, durationMs }
          : { clientId, method, id, durationMs, error: { code: error.code, message: error.message } },
      );
    }
  }

  /** An error response with `code` was sent (counted in `errors_total`). */
  errorSent(code: number): void {
    this.metrics?.errorSent(code);
  }

  /** Counts the error responses among `responses` (one reply or a batch). */
  repliesSent(responses: ObservedResponse | readonly ObservedResponse[]): void {
    const m = this.metrics;
    if (m === undefined) return;
    if (Array.isArray(responses)) {
      for (const r of responses as readonly ObservedResponse[]) if (r.error !== undefined) m.errorSent(r.error.code);
    } else {
      const error = (responses as ObservedResponse).error;
      if (error !== undefined) m.errorSent(error.code);
    }
  }

  /** Something failed that no caller sees (socket error, handler crash, listener error). */
  serverError(error: unknown, context: string, clientId?: string): void {
    publishServerError(clientId === undefined ? { error, context } : { error, context, clientId });
    this.tail?.push('error', context, { ...(clientId === undefined ? {} : { clientId }), detail: error instanceof Error ? error.message : String(error) });
    this.logger.error(clientId === undefined ? { err: error, context } : { clientId, err: error, context }, `server error (${context})`);
  }
}

/**
 * A text connection is one command line in and one reply line out (docs/protocol.md §5); its traffic
 * is counted when it closes, with the socket's own byte counts.
 */
function countTextExchange(meter: TrafficMeter, socket: Socket): void {
  meter.received(socket.bytesRead);
  meter.decoded();
  if (socket.bytesWritten > 0) meter.sent(socket.bytesWritten);
}
