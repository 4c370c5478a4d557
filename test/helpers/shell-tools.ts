/**
 * Running shell tools (nc, socat) from tests.
 */
import { execFileSync, spawn } from 'node:child_process';

/** True when `tool` is on the PATH. */
export function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `cmd args` with `input` on stdin; resolves with everything it printed on stdout (killed
 * and rejected after `timeoutMs`). Resolves on 'close', not 'exit': 'exit' can come before the
 * last stdout bytes were read (regression: text-tools "20 concurrent nc clients" saw '' in CI).
 */
export function pipeThrough(cmd: string, args: readonly string[], input: string | Buffer, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish within ${timeoutMs} ms; stdout=${out} stderr=${err}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}
