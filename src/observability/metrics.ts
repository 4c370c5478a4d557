/**
 * Prometheus metrics of a sidewire server (prom-client), built for the RPC hot path.
 *
 * The per-message and per-request methods only add to plain numbers (a few ns each); the values
 * are pushed into prom-client's metrics in a `collect` callback, i.e. only when the registry is
 * scraped. Request durations go to a `BatchedHistogram` for the same reason. Label values that
 * come from clients (method names, error codes) are bounded: beyond the bound they are counted
 * as `other`.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import type { WireMode } from '../framing/sniff.js';
import { createBatchedHistogram, type BatchedHistogram, type SlotSummary } from './batched-histogram.js';
import { BoundedLabels } from './bounded-labels.js';
import type { TrafficMeter } from './traffic-meter.js';
import { checkBuckets, checkLimit, metricPrefix, registerInto, type MetricsOptions } from './metric-options.js';
import { promClient } from './prom.js';

/** The connection modes of docs/protocol.md §3, used as the `mode` label. */
export type ConnectionMode = WireMode;

/** Why a connection was refused, used as the `reason` label. */
export type RefusalReason = 'limit' | 'auth' | 'invalid' | 'peer';

/** Request duration buckets in seconds: 10 µs … 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([
  1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10,
]);

const MODES: readonly ConnectionMode[] = ['json', 'binary', 'text', 'lsp'];
const REASONS: readonly RefusalReason[] = ['limit', 'auth', 'invalid', 'peer'];

export interface ServerMetricsOptions extends MetricsOptions {
  /**
   * Upper bounds (seconds) of the request duration histogram, strictly increasing.
   * @default DEFAULT_DURATION_BUCKETS (1e-5, 5e-5, 1e-4, … 1, 5, 10)
   */
  readonly durationBuckets?: readonly number[];
  /**
   * Distinct `method` label values kept; further new method names are counted as `other`.
   * @default 200
   */
  readonly maxMethods?: number;
  /**
   * Distinct `code` label values of the errors counter kept; further new codes count as `other`.
   * @default 50
   */
  readonly maxErrorCodes?: number;
}

/**
 * The traffic of one mode: cumulative counts (never reset, so `snapshot()` can report totals)
 * plus what was already pushed into prom-client. It is also the `TrafficMeter` handed to the
 * message streams of that mode, so the hot path is a method call that adds to a number.
 */
class ModeTally implements TrafficMeter {
  open = 0;
  opened = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  dropped = 0;
  /** The values of the counters above as last pushed into prom-client. */
  readonly pushed = { opened: 0, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };

  received(bytes: number): void {
    this.bytesIn += bytes;
  }

  decoded(): void {
    this.messagesIn += 1;
  }

  sent(bytes: number): void {
    this.messagesOut += 1;
    this.bytesOut += bytes;
  }

  eventDropped(): void {
    this.dropped += 1;
  }
}

type ModeRecord<T> = Record<ConnectionMode, T>;

/** Request latency of one method, in seconds (see `SlotSummary`). */
export type MethodLatency = SlotSummary & { readonly method: string };

/** Cumulative counts since the metrics were created (for `$/stats` and `sidewire top`). */
export interface ServerMetricsSnapshot {
  /** Open connections by mode. */
  readonly connections: Readonly<ModeRecord<number>>;
  /** Connections accepted by mode. */
  readonly connectionsTotal: Readonly<ModeRecord<number>>;
  /** Connections refused by reason. */
  readonly refused: Readonly<Record<RefusalReason, number>>;
  readonly messagesIn: Readonly<ModeRecord<number>>;
  readonly messagesOut: Readonly<ModeRecord<number>>;
  readonly bytesIn: Readonly<ModeRecord<number>>;
  readonly bytesOut: Readonly<ModeRecord<number>>;
  /** Requests finished (any outcome). */
  readonly requests: number;
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Error responses sent. */
  readonly errors: number;
  /** Events dropped for slow subscribers. */
  readonly eventsDropped: number;
}

function perMode<T>(make: (mode: ConnectionMode) => T): ModeRecord<T> {
  return { json: make('json'), binary: make('binary'), text: make('text'), lsp: make('lsp') };
}

interface PromMetrics {
  connections: Gauge<'mode'>;
  connectionsTotal: Counter<'mode'>;
  refused: Counter<'reason'>;
  messagesIn: Counter<'mode'>;
  messagesOut: Counter<'mode'>;
  bytesIn: Counter<'mode'>;
  bytesOut: Counter<'mode'>;
  errors: Counter<'code'>;
  eventsDropped: Counter;
  inFlight: Gauge;
  durations: BatchedHistogram;
}

export class ServerMetrics {
  /** The registry holding these metrics (yours, or a new one). */
  readonly registry: Registry;
  readonly #tally: ModeRecord<ModeTally> = perMode(() => new ModeTally());
  readonly #refused: Record<RefusalReason, number> = { limit: 0, auth: 0, invalid: 0, peer: 0 };
  readonly #refusedPushed: Record<RefusalReason, number> = { limit: 0, auth: 0, invalid: 0, peer: 0 };
  readonly #errors: BoundedLabels<{ total: number; pushed: number }>;
  #errorsTotal = 0;
  #requests = 0;
  #eventsDropped = 0;
  #eventsDroppedPushed = 0;
  #inFlight = 0;
  readonly #prom: PromMetrics;

  constructor(options: ServerMetricsOptions = {}) {
    const prefix = metricPrefix(options);
    const buckets = checkBuckets(options.durationBuckets ?? DEFAULT_DURATION_BUCKETS);
    const maxMethods = checkLimit('maxMethods', options.maxMethods ?? 200);
    this.#errors = new BoundedLabels(checkLimit('maxErrorCodes', options.maxErrorCodes ?? 50), () => ({ total: 0, pushed: 0 }));
    const { Counter, Gauge, Registry } = promClient();
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const collect = (): void => this.#flush();
    const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
      new Counter({ name: prefix + name, help, labelNames, registers, collect });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> =>
      new Gauge({ name: prefix + name, help, labelNames, registers, collect });
    this.#prom = registerInto(prefix, () => ({
      connections: gauge('connections', 'Open connections by mode.', ['mode']),
      connectionsTotal: counter('connections_total', 'Connections accepted by mode.', ['mode']),
      refused: counter('connections_refused_total', 'Connections refused by reason (limit, auth, invalid, peer).', ['reason']),
      messagesIn: counter('messages_received_total', 'Messages received by mode.', ['mode']),
      messagesOut: counter('messages_sent_total', 'Messages sent by mode.', ['mode']),
      bytesIn: counter('received_bytes_total', 'Bytes received by mode.', ['mode']),
      bytesOut: counter('sent_bytes_total', 'Bytes sent by mode.', ['mode']),
      errors: counter('errors_total', 'JSON-RPC error responses by error code.', ['code']),
      eventsDropped: counter('events_dropped_total', 'Events not delivered because a subscriber was too slow.', []),
      inFlight: gauge('requests_in_flight', 'Requests being handled.', []),
      durations: createBatchedHistogram({
        name: `${prefix}request_duration_seconds`,
        help: 'Request handling time in seconds by method.',
        labelName: 'method',
        buckets,
        registry: this.registry,
        maxLabelValues: maxMethods,
      }),
    }));
    for (const mode of MODES) {
      for (const c of [this.#prom.connectionsTotal, this.#prom.messagesIn, this.#prom.messagesOut, this.#prom.bytesIn, this.#prom.bytesOut]) {
        c.labels(mode).inc(0);
      }
    }
    for (const reason of REASONS) this.#prom.refused.labels(reason).inc(0);
  }

  /**
   * The traffic meter of `mode` for a message stream: `received(bytes)`, `decoded()`,
   * `sent(bytes)`, `eventDropped()`. The same object for every call with the same mode.
   */
  meter(mode: ConnectionMode): TrafficMeter {
    return this.#tally[mode];
  }

  /** A connection was accepted and its mode sniffed. */
  connectionOpened(mode: ConnectionMode): void {
    const t = this.#tally[mode];
    t.open += 1;
    t.opened += 1;
  }

  /** A connection opened with `connectionOpened(mode)` has closed. */
  connectionClosed(mode: ConnectionMode): void {
    this.#tally[mode].open -= 1;
  }

  /** A connection was refused (too many connections, bad token, unknown first byte). */
  connectionRefused(reason: RefusalReason): void {
    this.#refused[reason] += 1;
  }

  /** One message of `bytes` bytes was received on a `mode` connection. */
  messageIn(mode: ConnectionMode, bytes: number): void {
    const t = this.#tally[mode];
    t.messagesIn += 1;
    t.bytesIn += bytes;
  }

  /** One message of `bytes` bytes was sent on a `mode` connection. */
  messageOut(mode: ConnectionMode, bytes: number): void {
    this.#tally[mode].sent(bytes);
  }

  /** A request started. Pair every call with exactly one `requestDone`. */
  requestStarted(): void {
    this.#inFlight += 1;
  }

  /**
   * A request started with `requestStarted` finished after `seconds`; `errorCode` is the JSON-RPC
   * error code of its error response, if it failed and the error should be counted here (it is
   * then also counted in `errors_total`; leave it out when the response is counted with `errorSent`).
   */
  requestDone(method: string, seconds: number, errorCode?: number): void {
    this.#inFlight -= 1;
    this.#requests += 1;
    this.#prom.durations.slot(method).observe(seconds);
    if (errorCode !== undefined) this.errorSent(errorCode);
  }

  /** An error response was sent (e.g. -32700 parse error, or any request's error). */
  errorSent(code: number): void {
    this.#errorsTotal += 1;
    this.#errors.get(String(code)).total += 1;
  }

  /** `count` events were dropped because a subscriber could not keep up. */
  eventsDropped(count = 1): void {
    this.#eventsDropped += count;
  }

  /** Open connections over all modes. */
  get openConnections(): number {
    return this.#tally.json.open + this.#tally.binary.open + this.#tally.text.open;
  }

  /** Cumulative counts since these metrics were created (not affected by `registry.resetMetrics()`). */
  snapshot(): ServerMetricsSnapshot {
    const t = this.#tally;
    const pick = (key: 'open' | 'opened' | 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut'): ModeRecord<number> =>
      perMode((mode) => t[mode][key]);
    return {
      connections: pick('open'),
      connectionsTotal: pick('opened'),
      refused: { ...this.#refused },
      messagesIn: pick('messagesIn'),
      messagesOut: pick('messagesOut'),
      bytesIn: pick('bytesIn'),
      bytesOut: pick('bytesOut'),
      requests: this.#requests,
      inFlight: this.#inFlight,
      errors: this.#errorsTotal,
      eventsDropped: this.#droppedTotal(),
    };
  }

  /** Request latency per method, from the duration histogram's buckets (see `SlotSummary`). */
  latencies(): MethodLatency[] {
    const out: MethodLatency[] = [];
    for (const [method, slot] of this.#prom.durations.slots()) {
      const summary = slot.summary();
      if (summary !== undefined) out.push({ method, ...summary });
    }
    return out;
  }

  /** The registry's metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `metrics()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #droppedTotal(): number {
    return this.#eventsDropped + this.#tally.json.dropped + this.#tally.binary.dropped + this.#tally.text.dropped;
  }

  /** Pushes what changed since the last scrape into prom-client. Runs on every scrape (idempotent). */
  #flush(): void {
    const p = this.#prom;
    for (const mode of MODES) {
      const t = this.#tally[mode];
      const done = t.pushed;
      p.connections.labels(mode).set(t.open);
      addTo(p.connectionsTotal, mode, t.opened - done.opened);
      addTo(p.messagesIn, mode, t.messagesIn - done.messagesIn);
      addTo(p.messagesOut, mode, t.messagesOut - done.messagesOut);
      addTo(p.bytesIn, mode, t.bytesIn - done.bytesIn);
      addTo(p.bytesOut, mode, t.bytesOut - done.bytesOut);
      done.opened = t.opened;
      done.messagesIn = t.messagesIn;
      done.messagesOut = t.messagesOut;
      done.bytesIn = t.bytesIn;
      done.bytesOut = t.bytesOut;
    }
    for (const reason of REASONS) {
      addTo(p.refused, reason, this.#refused[reason] - this.#refusedPushed[reason]);
      this.#refusedPushed[reason] = this.#refused[reason];
    }
    for (const [code, slot] of this.#errors.entries()) {
      addTo(p.errors, code, slot.total - slot.pushed);
      slot.pushed = slot.total;
    }
    const dropped = this.#droppedTotal();
    if (dropped > this.#eventsDroppedPushed) p.eventsDropped.inc(dropped - this.#eventsDroppedPushed);
    this.#eventsDroppedPushed = dropped;
    p.inFlight.set(this.#inFlight);
  }
}

function addTo<L extends string>(counter: Counter<L>, label: string, delta: number): void {
  if (delta > 0) counter.labels(label).inc(delta);
}
