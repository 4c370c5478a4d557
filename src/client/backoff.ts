/**
 * The reconnect schedule of a client (docs/reconnect.md): exponential backoff with a cap and jitter.
 * Pure: the random source is injectable, so tests can check the exact schedule.
 */
import { SidewireError, createError } from '../errors.js';

export interface ReconnectOptions {
  /**
   * Delay before the first reconnect attempt, in ms.
   * @default 100
   */
  readonly initialDelayMs?: number;
  /**
   * Each further delay is the previous one times this.
   * @default 2
   */
  readonly factor?: number;
  /**
   * No delay is longer than this (before jitter), in ms.
   * @default 5000
   */
  readonly maxDelayMs?: number;
  /**
   * Random spread of each delay: 0.2 = ±20 %.
   * @default 0.2
   */
  readonly jitter?: number;
  /**
   * Reconnect attempts after a loss (or after a failed first connect of `createClient`) before the
   * client gives up and becomes `failed`. `Infinity` = never give up; 0 = do not reconnect.
   * @default 10
   */
  readonly maxAttempts?: number;
  /**
   * Random source in [0, 1) for the jitter (tests).
   * @default Math.random
   */
  readonly random?: () => number;
}

export type BackoffPolicy = Required<ReconnectOptions>;

export const DEFAULT_RECONNECT: BackoffPolicy = {
  initialDelayMs: 100,
  factor: 2,
  maxDelayMs: 5000,
  jitter: 0.2,
  maxAttempts: 10,
  random: Math.random,
};

function invalid(option: string, value: unknown, expected: string): SidewireError {
  return createError('ERR_INVALID_ARGUMENT', `reconnect.${option} must be ${expected}, not ${String(value)}`, {
    fixes: [`pass ${expected}, or leave reconnect.${option} out for the default (${String(DEFAULT_RECONNECT[option as keyof BackoffPolicy])})`],
  });
}

/**
 * Merges user options over the defaults; `false` turns reconnecting off (maxAttempts 0).
 * @throws SidewireError ERR_INVALID_ARGUMENT for a negative delay, a factor below 1, or jitter outside [0, 1]
 */
export function resolveBackoff(options: ReconnectOptions | false | undefined): BackoffPolicy {
  if (options === false) return { ...DEFAULT_RECONNECT, maxAttempts: 0 };
  const p: BackoffPolicy = { ...DEFAULT_RECONNECT };
  for (const [k, v] of Object.entries(options ?? {})) if (v !== undefined) (p as Record<string, unknown>)[k] = v;
  if (!(p.initialDelayMs >= 0)) throw invalid('initialDelayMs', p.initialDelayMs, 'a number ≥ 0');
  if (!(p.maxDelayMs >= 0)) throw invalid('maxDelayMs', p.maxDelayMs, 'a number ≥ 0');
  if (!(p.factor >= 1)) throw invalid('factor', p.factor, 'a number ≥ 1');
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw invalid('jitter', p.jitter, 'a number between 0 and 1');
  if (!(p.maxAttempts >= 0)) throw invalid('maxAttempts', p.maxAttempts, 'a number ≥ 0 (Infinity = unlimited)');
  return p;
}

/** The delay before reconnect attempt `attempt` (1-based) without jitter: initial × factor^(attempt-1), capped. */
export function baseDelay(attempt: number, policy: BackoffPolicy): number {
  const exp = policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, attempt - 1));
  return Math.min(policy.maxDelayMs, exp);
}

/** The delay before reconnect attempt `attempt` (1-based), with jitter, rounded to whole ms. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const base = baseDelay(attempt, policy);
  const spread = policy.jitter * (2 * policy.random() - 1);
  return Math.max(0, Math.round(base * (1 + spread)));
}
