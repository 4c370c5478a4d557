/**
 * A daemon's process hooks: SIGTERM/SIGINT → graceful stop (a second one exits at once with
 * 128 + signal number), SIGHUP → reload (not on Windows, where SIGHUP means the console closed),
 * and a process `exit` hook for last-moment cleanup (the pid file) when the process ends without
 * a graceful stop.
 *
 * One set of process listeners serves every daemon of the process (installed while at least one
 * daemon is registered), so many daemons in one process never pile up listeners.
 */

export interface DaemonSignalHooks {
  /** The first SIGTERM/SIGINT. */
  stop(signal: 'SIGTERM' | 'SIGINT'): void;
  /** SIGHUP. */
  reload(): void;
  /** Synchronous cleanup on process exit. Must not throw. */
  exit(): void;
}

export interface DaemonSignalOptions {
  /**
   * Handle the signals (the exit hook is always installed).
   * @default true
   */
  readonly signals?: boolean;
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

interface Entry {
  readonly hooks: DaemonSignalHooks;
  readonly signals: boolean;
}

const entries = new Set<Entry>();
let stopSignalled = false;

function runExitHooks(): void {
  for (const e of entries) {
    try {
      e.hooks.exit();
    } catch {
      // best effort while exiting
    }
  }
}

function onStopSignal(signal: 'SIGTERM' | 'SIGINT'): void {
  if (stopSignalled) {
    runExitHooks();
    process.exit(EXIT_CODES[signal]);
  }
  stopSignalled = true;
  for (const e of [...entries]) if (e.signals) e.hooks.stop(signal);
}

const listeners = {
  SIGTERM: (): void => onStopSignal('SIGTERM'),
  SIGINT: (): void => onStopSignal('SIGINT'),
  SIGHUP: (): void => {
    for (const e of [...entries]) if (e.signals) e.hooks.reload();
  },
  exit: (): void => runExitHooks(),
};

let installed: { signals: boolean; hup: boolean } | undefined;

/** Installs or removes process listeners to match the registered daemons. */
function sync(): void {
  const wantSignals = [...entries].some((e) => e.signals);
  const want = entries.size === 0 ? undefined : { signals: wantSignals, hup: wantSignals && process.platform !== 'win32' };
  if (installed?.signals === want?.signals && installed?.hup === want?.hup) return;
  process.removeListener('SIGTERM', listeners.SIGTERM);
  process.removeListener('SIGINT', listeners.SIGINT);
  process.removeListener('SIGHUP', listeners.SIGHUP);
  process.removeListener('exit', listeners.exit);
  installed = want;
  if (want === undefined) {
    stopSignalled = false;
    return;
  }
  process.on('exit', listeners.exit);
  if (want.signals) {
    process.on('SIGTERM', listeners.SIGTERM);
    process.on('SIGINT', listeners.SIGINT);
  }
  if (want.hup) process.on('SIGHUP', listeners.SIGHUP);
}

/** Registers a daemon's hooks; returns a function that unregisters them. */
export function installDaemonSignals(hooks: DaemonSignalHooks, options: DaemonSignalOptions = {}): () => void {
  const entry: Entry = { hooks, signals: options.signals ?? true };
  entries.add(entry);
  sync();
  return () => {
    if (entries.delete(entry)) sync();
  };
}
