/**
 * Files and directories sidewire reads, writes, ingests or deletes, checked the way the runtime
 * dir is (docs/security.md "Files"): a real file or directory (never followed through a symbolic
 * link), owned by the current user, with no group/other write access (directories: no group/other
 * access at all). Anything else is refused with ERR_FILE_UNSAFE naming the path and the fix.
 *
 * Files are opened with O_NOFOLLOW and checked on the opened descriptor (fstat), so a file swapped
 * for a link between a check and the open is refused, not followed. On Windows (no uid, no mode
 * bits) only the symlink and type checks apply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SidewireError, systemCode, createError } from '../errors.js';

/** O_NOFOLLOW where the platform has it (0 on Windows). */
const O_NOFOLLOW: number = fs.constants.O_NOFOLLOW ?? 0;
/**
 * O_NONBLOCK where the platform has it: opening a FIFO planted at the path must fail or return at
 * once (it is then refused as not a regular file), never block until a peer opens the other end.
 * It changes nothing for regular files.
 */
const O_NONBLOCK: number = fs.constants.O_NONBLOCK ?? 0;

/** The uid files must belong to; null where the OS has none (Windows). */
export function ownUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/** What kind of thing a checked path must be. */
export type SafeKind = 'file' | 'directory';

function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** The ERR_FILE_UNSAFE error for `p`: what is wrong (`why`) and how to fix it (`fix`). */
export function unsafeFileError(p: string, why: string, fix: string, details: Record<string, unknown> = {}): SidewireError {
  return createError('ERR_FILE_UNSAFE', `refusing to use ${p}: ${why}`, {
    fixes: [fix, 'or use an endpoint in a directory only you can write (the default runtime dir is one)'],
    details: { path: p, ...details },
  });
}

/**
 * Checks the stats of something found at `p` (from lstat or fstat). Returns the error, or
 * undefined when it is safe to use.
 */
export function checkStats(p: string, st: fs.Stats, kind: SafeKind, uid: number | null = ownUid()): SidewireError | undefined {
  if (st.isSymbolicLink()) {
    return unsafeFileError(p, 'it is a symbolic link', `remove the link (rm ${p}); sidewire never follows links it did not make`, { reason: 'symlink' });
  }
  const rightKind = kind === 'directory' ? st.isDirectory() : st.isFile();
  if (!rightKind) {
    return unsafeFileError(p, `it is not a ${kind === 'directory' ? 'directory' : 'regular file'}`, `move ${p} out of the way`, {
      reason: 'type',
    });
  }
  if (uid === null) return undefined;
  if (st.uid !== uid) {
    return unsafeFileError(p, `it is owned by uid ${st.uid}, not by you (uid ${uid})`, `remove ${p} (as its owner or root)`, {
      reason: 'foreign-owner',
      owner: st.uid,
    });
  }
  const forbidden = kind === 'directory' ? 0o077 : 0o022;
  if ((st.mode & forbidden) !== 0) {
    const wanted = kind === 'directory' ? '700' : '600';
    return unsafeFileError(p, `its mode is ${modeText(st.mode)}, which lets other users ${kind === 'directory' ? 'in' : 'write it'}`, `run: chmod ${wanted} ${p}`, {
      reason: 'mode',
      mode: modeText(st.mode),
    });
  }
  return undefined;
}

/**
 * A regular file with a second name (a hard link) may be someone else's file linked into a shared
 * directory (where fs.protected_hardlinks is off): refuse it. Returns the error, or undefined.
 */
export function checkSingleLink(p: string, st: fs.Stats): SidewireError | undefined {
  if (!st.isFile() || st.nlink <= 1) return undefined;
  return unsafeFileError(p, `it has ${st.nlink} names (a hard link to another file)`, `remove ${p}; sidewire recreates it`, { reason: 'hard-link' });
}

/**
 * lstat-checks `p` without following links. Returns false when nothing is there.
 * @throws SidewireError ERR_FILE_UNSAFE when something unsafe is there
 */
export function checkPath(p: string, kind: SafeKind, uid: number | null = ownUid()): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return false;
    throw unsafeFileError(p, `it cannot be inspected (${systemCode(err) ?? String(err)})`, `check the permissions of ${path.dirname(p)}`);
  }
  const error = checkStats(p, st, kind, uid);
  if (error !== undefined) throw error;
  return true;
}

/**
 * Creates the directory `dir` (mode 0700, the parent must exist) unless it is there, then checks it.
 * @throws SidewireError ERR_FILE_UNSAFE when what is there is not a private directory of ours
 */
export function ensurePrivateDir(dir: string, uid: number | null = ownUid()): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (systemCode(err) !== 'EEXIST') throw err;
  }
  checkPath(dir, 'directory', uid);
}

/**
 * Opens `p` (sync) without following a link and checks the opened file. `flags` are fs.constants
 * O_* flags (O_NOFOLLOW and O_NONBLOCK are added); new files get `mode`.
 * @throws SidewireError ERR_FILE_UNSAFE (the descriptor is closed), or the open's system error
 */
export function openSafeSync(p: string, flags: number, mode = 0o600, uid: number | null = ownUid()): number {
  let fd: number;
  try {
    fd = fs.openSync(p, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (err) {
    if (systemCode(err) === 'ELOOP') throw checkLinkError(p);
    throw err;
  }
  const error = checkStats(p, fs.fstatSync(fd), 'file', uid);
  if (error !== undefined) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/** `openSafeSync` for fs.promises: returns a FileHandle. */
export async function openSafe(p: string, flags: number, mode = 0o600, uid: number | null = ownUid()): Promise<fs.promises.FileHandle> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(p, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (err) {
    if (systemCode(err) === 'ELOOP') throw checkLinkError(p);
    throw err;
  }
  const error = checkStats(p, await fh.stat(), 'file', uid);
  if (error !== undefined) {
    await fh.close();
    throw error;
  }
  return fh;
}

function checkLinkError(p: string): SidewireError {
  return unsafeFileError(p, 'it is a symbolic link', `remove the link (rm ${p}); sidewire never follows links it did not make`, { reason: 'symlink' });
}

/** Reads a whole file through `openSafeSync` (read-only). Returns undefined when it is missing. */
export function readSafeSync(p: string, uid: number | null = ownUid()): string | undefined {
  let fd: number;
  try {
    fd = openSafeSync(p, fs.constants.O_RDONLY, 0o600, uid);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Flags for appending (create if missing). */
export const APPEND_FLAGS: number = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT;
/** Flags for creating a new file that must not exist yet. */
export const CREATE_NEW_FLAGS: number = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
