/**
 * Starts a fixture server as a child process (`node --import tsx <fixture> <endpoint>`) and
 * resolves once it printed `ready `; rejects when it exits first or is not ready in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function startFixtureChild(fixture: string, endpoint: string, label: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} not ready within ${timeoutMs / 1000} s`)), timeoutMs);
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('ready ')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited early (${String(code)})`));
    });
  });
}
