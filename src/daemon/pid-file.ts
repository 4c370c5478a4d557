/**
 * A daemon's pid file: `<pid>\n`, mode 0600, written atomically (temp file + rename/link) so a
 * reader never sees a half-written pid. `acquirePidFile` refuses to start a second daemon while
 * the recorded process is alive and replaces a stale file. Alive means what it means for lock and
 * discovery files (src/util/process-identity.ts, docs/daemon.md §4): the pid exists, is not a
 * zombie, and started no later than the pid file was written (a younger process with a reused
 * pid is not the daemon that wrote it).
 *
 * Caveat: two daemons that find the same *stale* file at the same instant can both replace it.
 * The endpoint lock (docs/protocol.md §2) is what serialises starts; acquire the endpoint first.
 *
 * The pid file may be given a path in a shared directory (docs/security.md "Files"): it is read
 * through O_NOFOLLOW and checked on the opened descriptor. A pid file that is a symbolic link,
 * not a regular file, owned by another user or writable by group/other is refused with
 * ERR_FILE_UNSAFE naming it, never followed, trusted or replaced. It is written by
 * src/util/atomic-file.ts: the temp file is created exclusively (O_EXCL never follows a link), its
 * mode set on the descriptor, and what is linked or renamed into place is checked to be that very
 * file.
 */
import * as fs from 'node:fs';
import { EndpointError, isSidewireError, systemCode, createError } from '../errors.js';
import { isWriterAlive } from '../util/process-identity.js';
import { readSafeSync } from '../util/safe-file.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';

/** What a pid file holds. */
export interface PidFileContent {
  readonly pid: number;
}

function isValidPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0;
}

/**
 * Writes `pid` (default: this process) to `path` atomically with mode 0600, replacing any file
 * there (a link there is replaced, never followed).
 * @throws SidewireError ERR_FILE_UNSAFE when what ends up at `path` is not the file written
 */
export function writePidFile(path: string, pid: number = process.pid): void {
  writeFileAtomicSync(path, `${pid}\n`, { mode: 0o600, fsync: false, replace: 'rename' });
}

/**
 * The pid recorded in `path`, or undefined when the file is missing or does not hold a valid pid.
 * @throws SidewireError ERR_FILE_UNSAFE for a link, a non-file, another user's or a writable file
 */
export function readPidFile(path: string): PidFileContent | undefined {
  const text = readSafeSync(path);
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return undefined;
  const pid = Number(trimmed);
  return isValidPid(pid) ? { pid } : undefined;
}

/** When `path` was last written (mtime, epoch ms), or undefined when it is gone. */
function writtenAt(path: string): number | undefined {
  try {
    return fs.lstatSync(path).mtimeMs;
  } catch {
    return undefined; // removed meanwhile: the pid alone decides
  }
}

/**
 * True when the process `pid` is alive (src/util/process-identity.ts): it exists (EPERM: another
 * user's, still alive) and is not a zombie; with `writtenAt` (when its pid file was written), it
 * also started no later than that, so a reused pid does not count. Non-positive or non-integer
 * pids are never alive (kill(0) would mean "my process group").
 */
export function isPidAlive(pid: number, writtenAt?: number): boolean {
  return isValidPid(pid) && isWriterAlive(pid, writtenAt);
}

/**
 * Removes `path` if it records `pid` (default: this process) and is a file we can trust. Returns
 * whether it removed it.
 */
export function removePidFileIfOurs(path: string, pid: number = process.pid): boolean {
  let content: PidFileContent | undefined;
  try {
    content = readPidFile(path);
  } catch (err) {
    if (isSidewireError(err, 'ERR_FILE_UNSAFE')) return false; // not ours (any more): leave it
    throw err;
  }
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
 * @throws EndpointError ERR_ENDPOINT_IN_USE; SidewireError ERR_FILE_UNSAFE (see the module comment)
 */
export function acquirePidFile(path: string, pid: number = process.pid): void {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createExclusive(path, pid)) return;
    const holder = readPidFile(path);
    if (holder?.pid === pid) return;
    if (holder !== undefined && isPidAlive(holder.pid, writtenAt(path))) throw inUse(path, holder.pid);
    fs.rmSync(path, { force: true }); // stale (dead pid or garbage): remove and try again
  }
  throw inUse(path, readPidFile(path)?.pid);
}

/**
 * Creates `path` holding `pid` unless something is there (then returns false). A hard link of a
 * complete temp file makes creation both exclusive and atomic; where hard links are not
 * supported, the file is created exclusively (O_EXCL) and written in place (src/util/atomic-file.ts).
 */
function createExclusive(path: string, pid: number): boolean {
  try {
    writeFileAtomicSync(path, `${pid}\n`, { mode: 0o600, fsync: false, replace: 'link-exclusive' });
    return true;
  } catch (err) {
    if (systemCode(err) === 'EEXIST') return false; // never follows a link at `path`
    throw err;
  }
}

function inUse(path: string, pid: number | undefined): EndpointError {
  const who = pid === undefined ? 'another process' : `process ${pid}`;
  return createError('ERR_ENDPOINT_IN_USE', `pid file ${path} is held by ${who}, which is still running: another instance of this daemon is up`, {
    fixes: [
      pid === undefined ? 'stop the other instance first' : `stop the other instance first (kill ${pid})`,
      'or give this instance its own endpoint (its pid file follows an explicit endpoint), another service name, or its own pid file (sidewire serve --pid-file PATH; pidFile option)',
    ],
    details: { path, pid },
  });
}
