/**
 * `idleExitMs` of the daemon kit (docs/daemon.md "Start on demand"): a daemon started on demand
 * stops by itself once no client has been connected for that long, so it does not linger.
 *
 * The clock starts when the daemon is running and restarts whenever the last connection (in any
 * mode: JSON, binary or a text session) closes; a connection open when it runs out postpones it.
 * Its timer is unref'd (the listener keeps the process alive) and comes from the server's timers.
 */
import type { Timers, TimerHandle } from '../util/timers.js';

/** What idle exit watches. */
export interface IdleWatch {
  /** Open connections in any mode now. */
  connections(): number;
  /** Subscribes to connection closes; returns the unsubscribe function. */
  onDisconnect(listener: () => void): () => void;
  /** Stops the daemon (reason `idle`). */
  stop(): void;
  readonly timers: Timers;
}

/** Starts the idle clock; the returned function cancels it (called when the daemon stops). */
export function startIdleExit(idleExitMs: number, watch: IdleWatch): () => void {
  const { timers } = watch;
  let lastBusy = timers.now();
  let timer: TimerHandle | undefined;
  let done = false;
  const arm = (ms: number): void => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = timers.setTimeout(check, Math.max(1, ms));
    timer.unref?.();
  };
  const check = (): void => {
    timer = undefined;
    if (done) return;
    const now = timers.now();
    if (watch.connections() > 0) {
      lastBusy = now;
      arm(idleExitMs);
      return;
    }
    const idle = now - lastBusy;
    if (idle >= idleExitMs) {
      done = true;
      watch.stop();
    } else arm(idleExitMs - idle);
  };
  const unsubscribe = watch.onDisconnect(() => {
    lastBusy = timers.now();
    if (!done) arm(idleExitMs);
  });
  arm(idleExitMs);
  return () => {
    done = true;
    unsubscribe();
    if (timer !== undefined) timers.clearTimeout(timer);
  };
}
