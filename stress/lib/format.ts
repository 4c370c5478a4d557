/** Number formatting and percentiles for verdict lines. */

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** 5000000 → "5,000,000". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 406123 → "406k", 1234567 → "1.23M", 950 → "950". */
export function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return `${Math.round(n)}`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** Bytes as KiB with one decimal (signed). */
export function kib(bytes: number): string {
  return `${(bytes / KiB).toFixed(1)} KiB`;
}

/** Milliseconds with a precision that suits the size. */
export function ms(value: number): string {
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

/** Seconds with one decimal. */
export function secs(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentiles of `values` (milliseconds). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!);
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]! };
}

/** "p50 0.09 / p99 0.21 / p99.9 0.5 ms"-style text. */
export function describePercentiles(p: Percentiles): string {
  return `p50 ${ms(p.p50)} / p99 ${ms(p.p99)} / p99.9 ${ms(p.p999)} (max ${ms(p.max)}, n=${count(p.n)})`;
}
