/**
 * Small statistics helpers: percentiles of one run, median and spread across runs.
 */

/** Median, smallest and largest of a set of run results. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many values went in. */
  readonly n: number;
}

/**
 * The `p`-th percentile (0–100) of `sorted` (ascending), nearest-rank method.
 * Returns NaN for an empty array.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] as number;
}

/** The median of `values` (mean of the middle two for an even count). NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median with min–max spread of `values` (NaN fields when empty). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Rounds to `digits` significant digits (keeps tables and JSON readable). */
export function roundSig(value: number, digits = 4): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}
