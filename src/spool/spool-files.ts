/**
 * How every durable-notification file (spool files, seen log, inbox) is opened, read and deleted
 * (docs/reconnect.md, "File checks"), through src/util/safe-file.ts: never through a symbolic
 * link (O_NOFOLLOW, checked again on the opened descriptor), only regular files owned by this user
 * that no one else can write and that have no second name (a hard link to someone else's file).
 * Opens add O_NONBLOCK so a FIFO planted under one of these names cannot stall the process (it is
 * then refused by the fstat check; regular files ignore the flag).
 */
import * as fs from 'node:fs';
import { systemCode, type SidewireError } from '../errors.js';
import { checkSingleLink, checkStats, openSafe, openSafeSync } from '../util/safe-file.js';

const O_NONBLOCK: number = fs.constants.O_NONBLOCK ?? 0;

/** Read + append, created (0600) when missing: a torn tail can be read back and cut (see append-log.ts). */
export const LOG_FLAGS: number = fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT;
/** Read only. */
export const READ_FLAGS: number = fs.constants.O_RDONLY;

/** The identity of a file (device + inode): "is this still the file I read?". */
export interface FileId {
  readonly dev: number;
  readonly ino: number;
}

export function fileId(st: fs.Stats): FileId {
  return { dev: st.dev, ino: st.ino };
}

export function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * An open that failed on something unsafe says so: O_CREAT|O_NOFOLLOW on another user's link in a
 * sticky directory fails with EACCES on some kernels, not ELOOP. Returns ERR_FILE_UNSAFE when what
 * is at `p` is unsafe, else the original error.
 */
function whyOpenFailed(p: string, err: unknown): unknown {
  const code = systemCode(err);
  if (code === undefined || code === 'ENOENT' || code.startsWith('ERR_')) return err;
  const found = (() => {
    try {
      return inspectFile(p);
    } catch {
      return 'missing' as const;
    }
  })();
  return found instanceof Error ? found : err;
}

/**
 * Opens a durable file (sync) and checks the opened descriptor.
 * @throws SidewireError ERR_FILE_UNSAFE, or the open's system error (ENOENT...)
 */
export function openDurableSync(p: string, flags: number): number {
  let fd: number;
  try {
    fd = openSafeSync(p, flags | O_NONBLOCK);
  } catch (err) {
    throw whyOpenFailed(p, err);
  }
  const error = checkSingleLink(p, fs.fstatSync(fd));
  if (error !== undefined) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/** `openDurableSync` with fs.promises. */
export async function openDurable(p: string, flags: number): Promise<fs.promises.FileHandle> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await openSafe(p, flags | O_NONBLOCK);
  } catch (err) {
    throw whyOpenFailed(p, err);
  }
  const error = checkSingleLink(p, await fh.stat());
  if (error !== undefined) {
    await fh.close();
    throw error;
  }
  return fh;
}

/**
 * Reads a whole durable file through a checked descriptor; undefined when it is missing.
 * @throws SidewireError ERR_FILE_UNSAFE, or the read's system error
 */
export function readDurableSync(p: string): { text: string; id: FileId } | undefined {
  let fd: number;
  try {
    fd = openDurableSync(p, READ_FLAGS);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const id = fileId(fs.fstatSync(fd));
    return { text: fs.readFileSync(fd, 'utf8'), id };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What is at `p`, without following a link: its stats when it is a safe durable file, 'missing',
 * or the ERR_FILE_UNSAFE error.
 */
export function inspectFile(p: string): fs.Stats | 'missing' | SidewireError {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return 'missing';
    throw err;
  }
  return checkStats(p, st, 'file') ?? checkSingleLink(p, st) ?? st;
}

/**
 * Deletes a durable file after checking what is there (and, with `expected`, that it is still the
 * file that was read). Returns false when nothing was there.
 * @throws SidewireError ERR_FILE_UNSAFE (nothing deleted), or the unlink's system error
 */
export function removeDurableSync(p: string, expected?: FileId): boolean {
  const found = inspectFile(p);
  if (found === 'missing') return false;
  if (found instanceof Error) throw found;
  if (expected !== undefined && !sameFile(fileId(found), expected)) return false; // replaced since it was read: not ours to delete
  try {
    fs.unlinkSync(p);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return false;
    throw err;
  }
  return true;
}
