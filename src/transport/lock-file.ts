/**
 * The lock file `<socketPath>.lock` that serialises probe → remove stale socket → bind between
 * servers starting at the same time (docs/protocol.md §2).
 *
 * Acquire = create the file exclusively (`wx`, mode 0600) with `{pid, startedAt, nonce}`.
 * An existing lock whose owner is dead (or whose pid now belongs to a younger process), or that
 * is unparsable and older than `garbageAgeMs`, is stale and broken; a live owner is waited for
 * with a short backoff, up to `timeoutMs`.
 *
 * Breaking a stale lock renames it to a private name first and checks that what was moved is the
 * lock judged stale; if a fresh lock was moved by mistake (another breaker won a race and a new
 * owner took the lock in between) it is linked back. The one remaining race (a third starter
 * takes the empty slot during that moment) is closed by `isLockStillOurs()`: a holder re-reads
 * the lock right before every destructive step and starts over if it is no longer its own.
 *
 * The lock lives next to the socket, possibly in a shared directory (docs/security.md "Files"):
 * it is read only through O_NOFOLLOW and checked on the opened descriptor. A lock that is a
 * symbolic link, not a regular file, owned by another user or writable by group/other is never
 * trusted, waited for or broken: acquiring fails with ERR_FILE_UNSAFE naming it.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemCode } from '../errors.js';
import { CREATE_NEW_FLAGS, openSafeSync } from '../util/safe-file.js';
import { isProcessAlive, ownStartTime } from '../util/process-identity.js';

export interface LockOptions {
  /**
   * Give up waiting for a live holder after this long.
   * @default 2000
   */
  readonly timeoutMs?: number;
  /**
   * An unparsable (e.g. half-written) lock older than this is stale.
   * @default 3000
   */
  readonly garbageAgeMs?: number;
}

/** A lock this process holds. */
export interface HeldLock {
  readonly path: string;
  readonly nonce: string;
}

export type AcquireResult = { readonly ok: true; readonly lock: HeldLock } | { readonly ok: false; readonly holderPid: number | undefined };

type LockState = { readonly state: 'free' } | { readonly state: 'held'; readonly pid: number | undefined } | { readonly state: 'stale'; readonly raw: string };

interface LockContent {
  pid: number;
  startedAt: number;
  nonce: string;
}

function parseLock(raw: string): LockContent | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockContent> | null;
    if (v && typeof v.pid === 'number' && typeof v.startedAt === 'number' && typeof v.nonce === 'string') return v as LockContent;
  } catch {
    // garbage
  }
  return undefined;
}

/** A lock file's content and age, read without following a link. */
interface LockFile {
  readonly raw: string;
  readonly mtimeMs: number;
}

/**
 * Reads the lock at `p`; undefined when there is none.
 * @throws SidewireError ERR_FILE_UNSAFE for a link, a non-file, another user's or a writable lock
 */
function readLockFile(p: string): LockFile | undefined {
  let fd: number;
  try {
    fd = openSafeSync(p, fs.constants.O_RDONLY);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { mtimeMs } = fs.fstatSync(fd);
    return { raw: fs.readFileSync(fd, 'utf8'), mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

function inspect(p: string, garbageAgeMs: number): LockState {
  const file = readLockFile(p);
  if (file === undefined) return { state: 'free' };
  const { raw } = file;
  const content = parseLock(raw);
  if (content) {
    return isProcessAlive(content.pid, content.startedAt) ? { state: 'held', pid: content.pid } : { state: 'stale', raw };
  }
  return Date.now() - file.mtimeMs > garbageAgeMs ? { state: 'stale', raw } : { state: 'held', pid: undefined };
}

/** Removes the stale lock judged from `raw`, never a fresh one (see the module comment). */
function breakStale(p: string, raw: string): void {
  const aside = `${p}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    fs.renameSync(p, aside);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return; // someone else broke it
    throw err;
  }
  try {
    if (readLockFile(aside)?.raw !== raw) {
      try {
        fs.linkSync(aside, p); // put the fresh lock back
      } catch (err) {
        if (systemCode(err) !== 'EEXIST') throw err;
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function tryCreate(p: string): HeldLock | undefined {
  const nonce = randomBytes(8).toString('hex');
  let fd: number;
  try {
    fd = openSafeSync(p, CREATE_NEW_FLAGS, 0o600);
  } catch (err) {
    if (systemCode(err) === 'EEXIST') return undefined;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: ownStartTime(), nonce }));
  } finally {
    fs.closeSync(fd);
  }
  return { path: p, nonce };
}

/**
 * Takes the lock at `lockPath`, breaking stale locks and waiting for live holders.
 * Resolves `{ok: false, holderPid}` when a live holder kept it for `timeoutMs`.
 * @throws the system error when the lock file cannot be created (EACCES, EROFS, ENOENT...), or
 *   SidewireError ERR_FILE_UNSAFE when the lock at the path is not one we can trust (see above)
 */
export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<AcquireResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const garbageAgeMs = options.garbageAgeMs ?? 3000;
  const deadline = Date.now() + timeoutMs;
  let backoff = 2;
  for (;;) {
    const lock = tryCreate(lockPath);
    if (lock) return { ok: true, lock };
    const state = inspect(lockPath, garbageAgeMs);
    if (state.state === 'stale') {
      breakStale(lockPath, state.raw);
      continue;
    }
    if (state.state === 'free') continue;
    if (Date.now() >= deadline) return { ok: false, holderPid: state.pid };
    // Not unref'd: the caller is awaiting this, the process must stay alive for it.
    await sleep(Math.min(backoff, Math.max(1, deadline - Date.now())));
    backoff = Math.min(backoff * 2, 50);
  }
}

/** True while the file at the lock's path is still this lock (re-check before destructive steps). */
export function isLockStillOurs(lock: HeldLock): boolean {
  try {
    const file = readLockFile(lock.path);
    return file !== undefined && parseLock(file.raw)?.nonce === lock.nonce;
  } catch {
    return false;
  }
}

/** Removes the lock if it is still ours. Synchronous and never throws (safe in exit handlers). */
export function releaseLock(lock: HeldLock): void {
  try {
    if (isLockStillOurs(lock)) fs.unlinkSync(lock.path);
  } catch {
    // already gone, or not removable: nothing more we can do
  }
}
