/**
 * Percentiles from a bucketed histogram, for the dashboard's latency table (docs/observability.md
 * "Dashboard"). A percentile is reported as the upper bound of the bucket it falls in (an upper
 * estimate, as Prometheus' `histogram_quantile` without interpolation); past the last bound it is
 * `Infinity` (shown as "> last bound").
 */

/** Latency of one method, in seconds. */
export interface MethodLatency {
  readonly method: string;
  readonly count: number;
  /** Mean duration. */
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

function percentile(bounds: Float64Array, counts: Float64Array, total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return i < bounds.length ? bounds[i]! : Infinity;
  }
  return Infinity;
}

/** p50/p90/p99 (bucket upper bounds) of `count` observations in `counts` (per bucket; the last one is the overflow). */
export function histogramPercentiles(bounds: Float64Array, counts: Float64Array, count: number): Omit<MethodLatency, 'method' | 'mean'> {
  return {
    count,
    p50: percentile(bounds, counts, count, 0.5),
    p90: percentile(bounds, counts, count, 0.9),
    p99: percentile(bounds, counts, count, 0.99),
  };
}
