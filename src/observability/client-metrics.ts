/**
 * Prometheus metrics of a sidewire client (prom-client): reconnections, spool depth and call
 * outcomes. Like `ServerMetrics`, the methods only touch plain numbers; prom-client is updated
 * when the registry is scraped.
 */
import type { Counter, Gauge, Registry } from 'prom-client';
import { metricPrefix, registerInto, type MetricsOptions } from './metric-options.js';
import { promClient } from './prom.js';

/** How a call ended, used as the `outcome` label. */
export type CallOutcome =
  /** A result came back. */
  | 'ok'
  /** The server answered with a JSON-RPC error. */
  | 'error'
  /** No answer within the call's timeout. */
  | 'timeout'
  /** Cancelled by the caller (AbortSignal / `$/cancel`). */
  | 'cancelled'
  /** Never answered: connection lost or closed, queue full, client failed. */
  | 'failed';

export type ClientMetricsOptions = MetricsOptions;

const OUTCOMES: readonly CallOutcome[] = ['ok', 'error', 'timeout', 'cancelled', 'failed'];

export class ClientMetrics {
  /** The registry holding these metrics (yours, or a new one). */
  readonly registry: Registry;
  readonly #calls: Record<CallOutcome, number> = { ok: 0, error: 0, timeout: 0, cancelled: 0, failed: 0 };
  #reconnects = 0;
  #spoolDepth = 0;
  readonly #prom: { reconnects: Counter; spoolDepth: Gauge; calls: Counter<'outcome'> };

  constructor(options: ClientMetricsOptions = {}) {
    const prefix = metricPrefix(options);
    const { Counter, Gauge, Registry } = promClient();
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    const collect = (): void => this.#flush();
    this.#prom = registerInto(prefix, () => ({
      reconnects: new Counter({ name: `${prefix}client_reconnects_total`, help: 'Reconnections completed after the connection was lost.', registers, collect }),
      spoolDepth: new Gauge({ name: `${prefix}client_spool_depth`, help: 'Notifications waiting in the spool to be replayed.', registers, collect }),
      calls: new Counter({ name: `${prefix}client_calls_total`, help: 'Calls by outcome (ok, error, timeout, cancelled, failed).', labelNames: ['outcome'], registers, collect }),
    }));
    for (const outcome of OUTCOMES) this.#prom.calls.labels(outcome).inc(0);
  }

  /** The client reconnected (and said hello again) after losing its connection. */
  reconnected(): void {
    this.#reconnects += 1;
  }

  /** The spool now holds `depth` notifications. */
  spoolDepth(depth: number): void {
    this.#spoolDepth = depth;
  }

  /** A call finished with `outcome`. */
  callDone(outcome: CallOutcome): void {
    this.#calls[outcome] += 1;
  }

  /** The registry's metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of `metrics()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #flush(): void {
    const p = this.#prom;
    if (this.#reconnects > 0) p.reconnects.inc(this.#reconnects);
    this.#reconnects = 0;
    p.spoolDepth.set(this.#spoolDepth);
    for (const outcome of OUTCOMES) {
      const n = this.#calls[outcome];
      if (n > 0) p.calls.labels(outcome).inc(n);
      this.#calls[outcome] = 0;
    }
  }
}
