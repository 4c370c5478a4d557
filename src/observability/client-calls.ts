/**
 * Counts how a client's calls end (`ClientMetrics.callDone`), without touching the call when
 * the client has no metrics.
 */
import { isSidewireError } from '../errors.js';
import type { CallOutcome, ClientMetrics } from './client-metrics.js';

/** JSON-RPC codes (docs/protocol.md §4) that mean the call was cancelled or timed out on the server. */
const CANCELLED = -32002;
const TIMED_OUT = -32003;

/** How a call that rejected with `err` ended; `signal` is the call's abort signal, if any. */
export function callOutcome(err: unknown, signal?: AbortSignal): CallOutcome {
  if (signal?.aborted === true) return 'cancelled';
  if (isSidewireError(err, 'ERR_TIMEOUT')) return 'timeout';
  if (err instanceof Error && err.name === 'ResponseError') {
    const code = (err as Error & { code?: unknown }).code;
    if (code === CANCELLED) return 'cancelled';
    if (code === TIMED_OUT) return 'timeout';
    return 'error';
  }
  if (err instanceof Error && err.name === 'AbortError') return 'cancelled';
  return 'failed';
}

/** Returns `call` itself without metrics; with metrics, a promise that settles the same way and counts the outcome. */
export function observeCall<T>(call: Promise<T>, metrics: ClientMetrics | undefined, signal?: AbortSignal): Promise<T> {
  if (metrics === undefined) return call;
  return call.then(
    (value) => {
      metrics.callDone('ok');
      return value;
    },
    (err: unknown) => {
      metrics.callDone(callOutcome(err, signal));
      throw err;
    },
  );
}
