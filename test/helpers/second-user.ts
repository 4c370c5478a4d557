/**
 * A second, unprivileged local user for cross-user tests (another user planting files in a shared
 * directory, connecting to our socket...). When the tests run as root, the user `sidewire-peer`
 * is created once (useradd, no home, no login shell) and reused; otherwise the tests that need it
 * skip with `SECOND_USER_SKIP` as the reason.
 */
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SecondUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const NAME = 'sidewire-peer';

/** Why cross-user tests skip, or undefined when they can run. */
export const SECOND_USER_SKIP: string | undefined =
  typeof process.getuid !== 'function' || process.getuid() !== 0
    ? 'cross-user test: needs root to create a second unprivileged user (run the suite as root to include it)'
    : undefined;

function lookup(): SecondUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', NAME], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', NAME], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name: NAME, uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** The second user, created when missing. Call only when SECOND_USER_SKIP is undefined. */
export function secondUser(): SecondUser {
  const existing = lookup();
  if (existing !== undefined) return existing;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', NAME], { stdio: 'ignore' });
  } catch {
    // a concurrent test file may have created it: look again
  }
  const made = lookup();
  if (made === undefined) throw new Error(`could not create the test user ${NAME} with useradd`);
  return made;
}

/** Runs `file args` as `user`; resolves with its exit code, stdout and stderr. */
export function runAs(
  user: SecondUser,
  file: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a shell command line as `user` (sh -c). */
export function shAs(user: SecondUser, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runAs(user, '/bin/sh', ['-c', command]);
}

/**
 * A world-writable sticky directory like /tmp (mode 1777) or, with `sticky: false`, a plain 0777 one,
 * made fresh for one test under the os tmpdir. Removed by the returned function.
 */
export function sharedDir(prefix: string, sticky = true): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, sticky ? 0o1777 : 0o777);
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
