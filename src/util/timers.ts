/**
 * The timer functions the rpc layer uses, injectable so tests can drive time. The default
 * implementation `unref()`s every timer: no sidewire timer keeps a process alive.
 */

/** A handle returned by `Timers.setTimeout`. */
export interface TimerHandle {
  unref?(): unknown;
  /** Keeps the process alive while pending (used for deadlines someone awaits, e.g. close()). */
  ref?(): unknown;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Epoch milliseconds. */
  now(): number;
}

/** Node.js timers, unref()'d. */
export const realTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  now: () => Date.now(),
};
