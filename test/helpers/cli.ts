/**
 * Runs the real `sidewire` CLI as a child process. `npm test` builds first and sets
 * SIDEWIRE_TEST_CLI=dist, so CI exercises the built `dist/cli/main.js` that users run; a
 * single test file run during development uses the sources through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const useDist = process.env['SIDEWIRE_TEST_CLI'] === 'dist';
export const CLI_MAIN = fileURLToPath(new URL(useDist ? '../../dist/cli/main.js' : '../../src/cli/main.ts', import.meta.url));
/** Node arguments that run the CLI: `[...CLI_ARGS, 'serve', ...]`. */
export const CLI_ARGS: readonly string[] = useDist ? [CLI_MAIN] : ['--import', 'tsx', CLI_MAIN];

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Env for a child CLI: the parent's env with `overrides` applied (undefined removes a key). */
export function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Starts `sidewire <args>` without waiting. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `sidewire <args>` to completion (killed after `timeoutMs`). */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options.env ?? process.env);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}
