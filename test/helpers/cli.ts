/**
 * Runs the real `sidewire` CLI as a child process. `npm test` builds first and sets
 * SIDEWIRE_TEST_CLI=dist, so CI exercises the built `dist/cli/main.js` that users run; a
 * single test file run during development uses the sources through tsx.
 */
import { after, before } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
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

/** Starts `sidewire <args>` without waiting; `env` entries are added to (or, if undefined, removed from) the parent's. */
export function spawnCli(args: readonly string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: root, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs `sidewire <args>` to completion; rejects if it does not exit within `timeoutMs`. */
export function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 20_000,
  input = '',
): Promise<CliResult> {
  const child = spawnCli(args, env);
  child.stdin!.end(input);
  return collect(child, timeoutMs);
}

/** Collects a child's output until it exits. */
export function collect(child: ChildProcess, timeoutMs = 20_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': 'exit' may come before the last output was read.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resolves with the stdout text once it contains `marker` (rejects after `timeoutMs`). */
export function waitForOutput(child: ChildProcess, marker: string | RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(marker)} within ${timeoutMs} ms; stdout=${out} stderr=${err}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer | string) => (err += String(d)));
    child.stdout!.on('data', (d: Buffer | string) => {
      out += String(d);
      if (typeof marker === 'string' ? out.includes(marker) : marker.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${String(code)}) before ${String(marker)}; stdout=${out} stderr=${err}`));
    });
  });
}

/**
 * Registers before/after hooks that run `sidewire serve ARGS` for the enclosing describe(): started
 * once its pid file line is printed, stopped with SIGTERM and `cleanup()` run afterwards.
 */
export function serveDuringSuite(args: readonly string[], env: Record<string, string | undefined>, cleanup: () => void): void {
  let server: ChildProcess;
  before(async () => {
    server = spawnCli(['serve', ...args], env);
    await waitForOutput(server, /pid file: .*\n/, 60_000);
  });
  after(async () => {
    const done = collect(server, 60_000);
    server.kill('SIGTERM');
    await done.catch(() => undefined);
    cleanup();
  });
}
