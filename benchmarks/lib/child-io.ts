/**
 * The line protocol between the orchestrator and its child processes: one JSON object per line on
 * the child's stdout (results, readiness, errors); commands as lines on the child's stdin.
 */
import { createInterface } from 'node:readline';

/** Messages a child prints. */
export type ChildMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly metrics: Record<string, number>; readonly peakRssBytes?: number }
  | { readonly type: 'stopped'; readonly peakRssBytes?: number }
  | { readonly type: 'error'; readonly message: string };

/** Prints one message line for the orchestrator. */
export function report(message: ChildMessage): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/**
 * Resolves with true at the first stdin line equal to `command`, or with false when stdin ends
 * first (the orchestrator is gone).
 */
export function waitForCommand(command: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === command) {
        resolve(true);
        rl.close();
      }
    });
    rl.on('close', () => resolve(false));
  });
}

/** Reads `--name value` pairs from argv. */
export function argValue(argv: readonly string[], name: string): string {
  const at = argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : argv[at + 1];
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

/** A short message for an unknown thrown value (no stack traces in results). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
