/**
 * Child side of the stress protocol: the config is argv[2] (JSON); `emit` writes one JSON line
 * on stdout (synchronous for pipes on Linux, so a line survives a later kill -9); commands come
 * as JSON lines on stdin; when stdin closes (the orchestrator stopped or died) the child exits.
 */
import * as readline from 'node:readline';

/** The JSON config passed as argv[2]. */
export function readConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('missing JSON config argument');
  return JSON.parse(raw) as T;
}

/** Writes one message line for the orchestrator. */
export function emit(message: { type: string; [key: string]: unknown }): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

export interface Command {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * Calls `handler` for each command line on stdin. When stdin ends, `onEnd` runs (default: exit 0).
 * A handler that throws or rejects is reported as `{ type: 'error' }` and the child exits 1.
 */
export function onCommands(handler: (command: Command) => void | Promise<void>, onEnd: () => void = () => process.exit(0)): void {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.startsWith('{')) return;
    let command: Command;
    try {
      command = JSON.parse(line) as Command;
    } catch {
      return;
    }
    Promise.resolve()
      .then(() => handler(command))
      .catch((err: unknown) => fail(err));
  });
  rl.on('close', onEnd);
}

/** Reports a fatal error and exits 1. */
export function fail(err: unknown): never {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  emit({ type: 'error', message });
  process.stderr.write(`${err instanceof Error && err.stack ? err.stack : message}\n`);
  process.exit(1);
}

/** Resolves after `ms` (unref'd: never keeps a child alive on its own). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Keeps the process alive until it is told to exit. */
export function keepAlive(): void {
  setInterval(() => undefined, 1 << 30);
}

/** The wire mode stress clients use: `--mode` of run.ts, passed down as SIDEWIRE_STRESS_MODE. */
export function clientMode(): { mode?: 'json' | 'binary' | 'auto' } {
  const m = process.env['SIDEWIRE_STRESS_MODE'];
  return m === 'json' || m === 'binary' || m === 'auto' ? { mode: m } : {};
}
