/**
 * A prom-client `Histogram` with a fast observation path.
 *
 * prom-client's own `histogram.labels(x).observe(v)` costs ~300 ns per call (it builds a label
 * object, validates and hashes it, and looks the bucket up by a stringified float key). The RPC hot
 * path may observe a million requests per second, so this class keeps plain per-label-value
 * counters (`HistogramSlot`, ~10 ns per observation) and only builds prom-client's exposition
 * data when the registry is scraped. It is still a real `Histogram` in the registry: text and
 * JSON exposition, `registry.resetMetrics()` and cluster aggregation all work.
 *
 * Feed it only through `slot(label).observe(seconds)`: the inherited `observe`/`labels`/
 * `startTimer` write to prom-client's internal store, which this class does not expose.
 *
 * The class extends prom-client's `Histogram`, so it is defined when the first one is created
 * (`createBatchedHistogram`), after prom-client was loaded (see prom.ts).
 */
import type { Histogram, Registry } from 'prom-client';
import { promClient } from './prom.js';
import { BoundedLabels } from './bounded-labels.js';

type HistogramData = Awaited<ReturnType<Histogram<string>['get']>>;
type HistogramValue = HistogramData['values'][number];

/**
 * A slot's observations summed up, for the dashboard's latency table (docs/observability.md
 * "Dashboard"). Percentiles are the upper bound of the bucket they fall in (an upper estimate,
 * as Prometheus' `histogram_quantile` without interpolation); past the last bound, `Infinity`.
 */
export interface SlotSummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** The observations recorded under one label value. */
export class HistogramSlot {
  /** Observations per bucket (not cumulative); the last entry is the `+Inf` overflow. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: Float64Array;

  constructor(bounds: Float64Array) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation. Non-finite values are ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** Count, mean and p50/p90/p99 (see `SlotSummary`); undefined with no observations. */
  summary(): SlotSummary | undefined {
    if (this.count === 0) return undefined;
    return { count: this.count, mean: this.sum / this.count, p50: this.#percentile(0.5), p90: this.#percentile(0.9), p99: this.#percentile(0.99) };
  }

  #percentile(q: number): number {
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i < this.#bounds.length ? this.#bounds[i]! : Infinity;
    }
    return Infinity;
  }

  /** Forgets every observation. */
  zero(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export interface BatchedHistogramOptions {
  /** Full metric name, e.g. `sidewire_request_duration_seconds`. */
  readonly name: string;
  readonly help: string;
  /** The one label, e.g. `method`. */
  readonly labelName: string;
  /** Upper bounds, strictly increasing. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
  /** Distinct label values kept before new ones are counted as `other`. */
  readonly maxLabelValues: number;
}

/** A prom-client `Histogram` fed through per-label slots. */
export interface BatchedHistogram extends Histogram<string> {
  /** The slot that records observations for `label` (bounded; see `BoundedLabels`). */
  slot(label: string): HistogramSlot;
  /** Every label's slot (for the dashboard's percentiles). */
  slots(): Iterable<readonly [string, HistogramSlot]>;
}

let BatchedHistogramClass: (new (options: BatchedHistogramOptions) => BatchedHistogram) | undefined;

/** A new batched histogram, registered in `options.registry`. */
export function createBatchedHistogram(options: BatchedHistogramOptions): BatchedHistogram {
  BatchedHistogramClass ??= defineBatchedHistogram(promClient().Histogram);
  return new BatchedHistogramClass(options);
}

function defineBatchedHistogram(Base: typeof Histogram): new (options: BatchedHistogramOptions) => BatchedHistogram {
  return class BatchedHistogramImpl extends Base<string> implements BatchedHistogram {
    readonly #name: string;
    readonly #help: string;
    readonly #labelName: string;
    readonly #bounds: Float64Array;
    readonly #slots: BoundedLabels<HistogramSlot>;

    constructor(options: BatchedHistogramOptions) {
      super({
        name: options.name,
        help: options.help,
        labelNames: [options.labelName],
        buckets: [...options.buckets],
        registers: [options.registry],
      });
      this.#name = options.name;
      this.#help = options.help;
      this.#labelName = options.labelName;
      this.#bounds = Float64Array.from(options.buckets);
      this.#slots = new BoundedLabels(options.maxLabelValues, () => new HistogramSlot(this.#bounds));
    }

    /** The slot that records observations for `label` (bounded; see `BoundedLabels`). */
    slot(label: string): HistogramSlot {
      return this.#slots.get(label);
    }

    slots(): Iterable<readonly [string, HistogramSlot]> {
      return this.#slots.entries();
    }

    /** Exposition data in prom-client's shape (what the registry formats). */
    override async get(): Promise<HistogramData> {
      const values: HistogramValue[] = [];
      const bucketName = `${this.#name}_bucket`;
      for (const [label, slot] of this.#slots.entries()) {
        let cumulative = 0;
        for (let i = 0; i < this.#bounds.length; i++) {
          cumulative += slot.counts[i]!;
          values.push({ labels: { [this.#labelName]: label, le: this.#bounds[i]! }, value: cumulative, metricName: bucketName });
        }
        values.push({ labels: { [this.#labelName]: label, le: '+Inf' }, value: slot.count, metricName: bucketName });
        values.push({ labels: { [this.#labelName]: label }, value: slot.sum, metricName: `${this.#name}_sum` });
        values.push({ labels: { [this.#labelName]: label }, value: slot.count, metricName: `${this.#name}_count` });
      }
      // `type` is declared as a type-only enum in prom-client's typings; at run time it is this
      // string. Histograms of cluster workers are summed, as prom-client does by default.
      const data = { name: this.#name, help: this.#help, type: 'histogram', aggregator: 'sum', values };
      return data as unknown as HistogramData;
    }

    /** The registry prefers this method when present; the base version reads the internal store. */
    getForPromString(): Promise<HistogramData> {
      return this.get();
    }

    /** Zeroes every slot (kept, so cached slot references stay valid). */
    override reset(): void {
      if (!(#slots in this)) return; // called by prom-client's constructor, before our fields exist
      for (const [, slot] of this.#slots.entries()) slot.zero();
    }
  };
}
