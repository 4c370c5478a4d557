/**
 * One process-wide registry of synchronous cleanups (remove our socket, lock and discovery
 * files) run on SIGINT, SIGTERM and process exit. Handlers are installed once, while at least
 * one cleanup is registered, and removed when the last one is unregistered.
 *
 * On a signal: every cleanup runs; then, if sidewire's handler was the only listener for that
 * signal, it removes its handlers and re-raises the signal so the process still dies the way it
 * would have without sidewire. If the application has its own handlers, the files are cleaned up
 * and the application decides what happens next.
 */

/** A synchronous cleanup. It must not throw (exceptions are swallowed). */
export type ExitCleanup = () => void;

const registry = new Set<ExitCleanup>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];

let installed = false;

function runAll(): void {
  for (const fn of [...registry]) {
    registry.delete(fn);
    try {
      fn();
    } catch {
      // best effort during shutdown
    }
  }
}

const signalHandlers: Record<HandledSignal, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
};

function onSignal(signal: HandledSignal): void {
  const alone = process.listenerCount(signal) === 1;
  runAll();
  uninstall();
  if (alone) process.kill(process.pid, signal);
}

function onExit(): void {
  runAll();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, signalHandlers[s]);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.removeListener(s, signalHandlers[s]);
  process.removeListener('exit', onExit);
}

/**
 * Runs `cleanup` (once) on SIGINT, SIGTERM or exit. Returns a function that unregisters it
 * without running it.
 */
export function registerExitCleanup(cleanup: ExitCleanup): () => void {
  registry.add(cleanup);
  install();
  return () => {
    registry.delete(cleanup);
    if (registry.size === 0) uninstall();
  };
}

/** How many cleanups are registered (for tests and `doctor`). */
export function pendingExitCleanups(): number {
  return registry.size;
}
