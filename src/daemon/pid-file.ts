/**
 * A daemon's pid file: `<pid>\n`, mode 0600, written atomically (temp file + rename/link) so a
 * reader never sees a half-written pid. `acquirePidFile` refuses to start a second daemon while
 * the recorded pid is alive and replaces a stale file.
 *
 * Caveat: two daemons that find the same *stale* file at the same instant can both replace it.
 * The endpoint lock (DESIGN.md §2) is what serialises starts; acquire the endpoint first.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { EndpointError, systemCode } from '../errors.js';

/** What a pid file holds. */
export interface PidFileContent {
  readonly pid: number;
}

function isValidPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0;
}

function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

function writeTemp(path: string, pid: number): string {
  const tmp = tempPathFor(path);
  fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(tmp, 0o600); // the umask can only narrow, but be explicit
  return tmp;
}

/**
 * Writes `pid` (default: this process) to `path` atomically with mode 0600, replacing any file there.
 */
export function writePidFile(path: string, pid: number = process.pid): void {
  const tmp = writeTemp(path, pid);
  try {
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The pid recorded in `path`, or undefined when the file is missing or does not hold a valid pid. */
export function readPidFile(path: string): PidFileContent | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const pid = Number(trimmed);
  return isValidPid(pid) ? { pid } : undefined;
}

/**
 * True when a process with this pid exists (signal 0 probe): ESRCH → dead, EPERM → alive but
 * owned by someone else. Non-positive or non-integer pids are never alive (kill(0) would mean
 * "my process group").
 */
export function isPidAlive(pid: number): boolean {
  if (!isValidPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return systemCode(err) === 'EPERM';
  }
}

/** Removes `path` if it records `pid` (default: this process). Returns whether it removed it. */
export function removePidFileIfOurs(path: string, pid: number = process.pid): boolean {
  const content = readPidFile(path);
  if (content?.pid !== pid) return false;
  try {
    fs.unlinkSync(path);
    return true;
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Claims `path` for `pid` (default: this process): creates it when absent (exclusively: of two
 * daemons creating it at once exactly one wins), replaces it when it is stale (dead pid or
 * garbage), and throws `ERR_ENDPOINT_IN_USE` when a live process other than `pid` holds it.
 */
export function acquirePidFile(path: string, pid: number = process.pid): void {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createExclusive(path, pid)) return;
    const holder = readPidFile(path);
    if (holder?.pid === pid) return;
    if (holder !== undefined && isPidAlive(holder.pid)) throw inUse(path, holder.pid);
    fs.rmSync(path, { force: true }); // stale (dead pid or garbage): remove and try again
  }
  throw inUse(path, readPidFile(path)?.pid);
}

/**
 * Creates `path` holding `pid` unless something is there (then returns false). A hard link of a
 * complete temp file makes creation both exclusive and atomic; where hard links are not
 * supported, an exclusive `wx` write is used instead.
 */
function createExclusive(path: string, pid: number): boolean {
  const tmp = writeTemp(path, pid);
  try {
    fs.linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = systemCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    fs.writeFileSync(path, `${pid}\n`, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if (systemCode(err) === 'EEXIST') return false;
    throw err;
  }
}

function inUse(path: string, pid: number | undefined): EndpointError {
  const who = pid === undefined ? 'another process' : `process ${pid}`;
  return new EndpointError('ERR_ENDPOINT_IN_USE', `pid file ${path} is held by ${who}, which is still running: another instance of this daemon is up`, {
    fixes: [
      pid === undefined ? 'stop the other instance first' : `stop the other instance first (kill ${pid})`,
      'or give this instance another pid file path / service name',
    ],
    details: { path, pid },
  });
}
