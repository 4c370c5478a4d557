/**
 * Options and checks shared by `ServerMetrics` and `ClientMetrics`.
 */
import type { Registry } from 'prom-client';
import { createError } from '../errors.js';

/** Options every sidewire metrics set accepts. */
export interface MetricsOptions {
  /**
   * The prom-client registry the metrics are registered in. Pass your own to expose sidewire's
   * metrics next to yours; two metric sets with the same prefix cannot share a registry.
   * @default a new `Registry` (never prom-client's global one)
   */
  readonly registry?: Registry;
  /**
   * Prefix of every metric name (`sidewire_connections`...). Must be a valid Prometheus name
   * start: letters, digits, `_` and `:`, not starting with a digit; may be empty.
   * @default 'sidewire_'
   */
  readonly prefix?: string;
}

const PREFIX_RE = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

/** The validated prefix of `options`. @throws SidewireError ERR_INVALID_ARGUMENT */
export function metricPrefix(options: MetricsOptions): string {
  const prefix = options.prefix ?? 'sidewire_';
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix)) {
    throw createError('ERR_INVALID_ARGUMENT', `invalid metrics prefix ${JSON.stringify(prefix)}: Prometheus names allow only letters, digits, '_' and ':' and must not start with a digit`, {
      fixes: ["use a prefix such as 'myapp_' or 'sidewire_'", "or leave the option out to get the default 'sidewire_'"],
      details: { option: 'prefix', value: prefix },
    });
  }
  return prefix;
}

/**
 * Runs `create` (which registers metrics in a registry) and turns prom-client's
 * "already registered" error into a sidewire error.
 * @throws SidewireError ERR_INVALID_ARGUMENT
 */
export function registerInto<T>(prefix: string, create: () => T): T {
  try {
    return create();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!message.includes('already been registered')) throw err;
    throw createError('ERR_INVALID_ARGUMENT', `cannot register sidewire metrics with prefix '${prefix}': ${message}`, {
      cause: err,
      fixes: [
        'create one metrics object per registry and prefix, and reuse it',
        "or pass a different `prefix` (e.g. 'sidewire_second_')",
        'or leave out `registry` so each metrics object gets its own new Registry',
      ],
      details: { prefix },
    });
  }
}

/** Checks histogram bucket bounds: non-empty, finite, strictly increasing. @throws SidewireError ERR_INVALID_ARGUMENT */
export function checkBuckets(buckets: readonly number[]): readonly number[] {
  const ok =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!));
  if (!ok) {
    throw createError('ERR_INVALID_ARGUMENT', `invalid durationBuckets ${JSON.stringify(buckets)}: need a non-empty list of finite numbers in strictly increasing order`, {
      fixes: ['pass bounds in seconds, smallest first, e.g. [0.001, 0.01, 0.1, 1, 10]', 'or leave the option out to get the default 10 µs … 10 s buckets'],
      details: { option: 'durationBuckets' },
    });
  }
  return Object.freeze([...buckets]);
}

/** Checks a "max distinct label values" option. @throws SidewireError ERR_INVALID_ARGUMENT */
export function checkLimit(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw createError('ERR_INVALID_ARGUMENT', `${option} must be a positive integer, got ${String(value)}`, {
      fixes: [`pass an integer of at least 1 for ${option}, e.g. 200`],
      details: { option, value },
    });
  }
  return value;
}
