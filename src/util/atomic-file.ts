/**
 * The one way sidewire writes a whole file atomically (discovery file, pid file, spool rewrite,
 * seen-log compaction; docs/security.md "Files"): a reader sees the old file or the new one,
 * never a torn one, and nothing is ever written through a link.
 *
 * 1. A temp file `<target>.<8 hex>.tmp` is created next to the target with O_CREAT|O_EXCL|O_NOFOLLOW
 *    (safe-file.ts: never follows a link planted there, checked on the descriptor).
 * 2. Every byte is written (short writes are continued), then fsync (unless `fsync: false`), then
 *    the mode is set on the descriptor (`fchmod`: exact, whatever the umask).
 * 3. The temp is put in place: `rename` replaces whatever is at the target (a link there is
 *    replaced, never followed); `link-exclusive` hard-links it and fails with EEXIST when anything
 *    is there (where the filesystem has no hard links, the target is created with O_EXCL and written
 *    directly: exclusive, not atomic).
 * 4. The target is checked to be the file written (same device and inode, by lstat): another user
 *    who can write the directory may swap names; then ERR_FILE_UNSAFE (`details.replaced`).
 * 5. The directory is fsync'd, best effort (where the platform supports it).
 *
 * On any failure before step 4 the temp is removed and the target is as it was. The algorithm is
 * written once (`steps`) and run by a synchronous and an asynchronous driver.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createError, systemCode } from '../errors.js';
import { checkSingleLink, checkStats, CREATE_NEW_FLAGS, openSafe, openSafeSync, unsafeFileError } from './safe-file.js';

/** How the written file is put in place. */
export type AtomicReplace = 'rename' | 'link-exclusive';

export interface AtomicWriteOptions {
  /**
   * The file's mode, set exactly (umask ignored). No group/other write bits (sidewire would refuse
   * its own file).
   * @default 0o600
   */
  readonly mode?: number;
  /**
   * fsync the file before it is put in place.
   * @default true
   */
  readonly fsync?: boolean;
  /**
   * `rename`: replace the target. `link-exclusive`: create it, failing with EEXIST when it exists.
   * @default 'rename'
   */
  readonly replace?: AtomicReplace;
}

/** Test seams: a short-writing disk, a known temp name, a failure at the n-th step. */
export interface AtomicWriteHooks {
  /** Replaces `fs.writeSync(fd, data, offset, length)`; returns the bytes written. */
  readonly write?: (fd: number, data: Uint8Array, offset: number, length: number) => number;
  /** The 8 hex characters of the temp name. */
  readonly tempSuffix?: () => string;
  /** Called before each step that can fail; throwing fails that step. */
  readonly step?: (step: AtomicStep) => void;
}

/** The steps a test can fail (not the best-effort cleanup and directory fsync, nor `close`). */
export type AtomicStep = 'open' | 'write' | 'fsync' | 'fchmod' | 'fstat' | 'rename' | 'link' | 'lstat';

/** The file written: its device and inode (what `removeIfOurs`-style checks compare). */
export interface WrittenFile {
  readonly dev: number;
  readonly ino: number;
}

type Op =
  | { readonly op: 'open'; readonly path: string; readonly mode: number }
  | { readonly op: 'write'; readonly fd: number; readonly data: Uint8Array; readonly offset: number }
  | { readonly op: 'fsync' | 'fstat' | 'close'; readonly fd: number }
  | { readonly op: 'fchmod'; readonly fd: number; readonly mode: number }
  | { readonly op: 'rename' | 'link'; readonly from: string; readonly to: string }
  | { readonly op: 'lstat' | 'unlink' | 'fsync-dir'; readonly path: string };

/** Ops whose failure the algorithm swallows (cleanup, durability of the directory entry). */
const BEST_EFFORT = new Set<Op['op']>(['unlink', 'fsync-dir']);
/** Errors of `link` that mean "no hard links here": fall back to an exclusive create. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

function checkMode(mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777 || (mode & 0o022) !== 0) {
    throw createError('ERR_INVALID_ARGUMENT', `mode must be an integer from 0 to 0o755 without group/other write bits, got ${String(mode)}`, {
      details: { option: 'mode', value: mode },
    });
  }
}

function replacedError(target: string): Error {
  return unsafeFileError(target, 'it was replaced while it was being written (another user can change that directory)', 'write it in a directory only you can write (the runtime dir is one)', {
    reason: 'type',
    replaced: true,
  });
}

/** Writes all of `data` to `fd`, continuing short writes. */
function* writeAll(fd: number, data: Uint8Array, file: string): Generator<Op, void, unknown> {
  let offset = 0;
  while (offset < data.length) {
    const n = (yield { op: 'write', fd, data, offset }) as number;
    if (!Number.isInteger(n) || n <= 0) throw Object.assign(new Error(`writing ${file} made no progress`), { code: 'EIO' });
    offset += n;
  }
}

/** Creates `file` exclusively and writes it completely; returns its identity. Removes it on failure. */
function* createFile(file: string, data: Uint8Array, mode: number, fsync: boolean): Generator<Op, WrittenFile, unknown> {
  let fd: number;
  try {
    fd = (yield { op: 'open', path: file, mode }) as number;
  } catch (err) {
    // Something is there already (O_EXCL): say so when it is something unsafe (a planted link…).
    if (systemCode(err)?.startsWith('ERR_') === true) throw err;
    const found = (yield { op: 'lstat', path: file }) as fs.Stats | undefined;
    throw (found && (checkStats(file, found, 'file') ?? checkSingleLink(file, found))) ?? err;
  }
  try {
    let id: WrittenFile;
    try {
      yield* writeAll(fd, data, file);
      if (fsync) yield { op: 'fsync', fd };
      yield { op: 'fchmod', fd, mode };
      const st = (yield { op: 'fstat', fd }) as fs.Stats;
      id = { dev: st.dev, ino: st.ino };
    } finally {
      yield { op: 'close', fd };
    }
    return id;
  } catch (err) {
    yield { op: 'unlink', path: file };
    throw err;
  }
}

/** Throws unless what is at `target` is `id`. */
function* checkPlaced(target: string, id: WrittenFile): Generator<Op, void, unknown> {
  const st = (yield { op: 'lstat', path: target }) as fs.Stats | undefined;
  if (st?.dev !== id.dev || st.ino !== id.ino) throw replacedError(target);
}

function* steps(target: string, data: Uint8Array, options: AtomicWriteOptions, hooks: AtomicWriteHooks): Generator<Op, WrittenFile, unknown> {
  const mode = options.mode ?? 0o600;
  const fsync = options.fsync ?? true;
  const tmp = `${target}.${hooks.tempSuffix?.() ?? randomBytes(4).toString('hex')}.tmp`;
  let id = yield* createFile(tmp, data, mode, fsync);
  if (options.replace === 'link-exclusive') {
    let linked = true;
    try {
      yield { op: 'link', from: tmp, to: target }; // never follows a link at `target`: EEXIST
    } catch (err) {
      const code = systemCode(err);
      if (code === undefined || !NO_HARD_LINKS.has(code)) {
        yield { op: 'unlink', path: tmp };
        throw err;
      }
      linked = false;
    }
    yield { op: 'unlink', path: tmp };
    if (linked) yield* checkPlaced(target, id);
    else id = yield* createFile(target, data, mode, fsync);
  } else {
    try {
      yield { op: 'rename', from: tmp, to: target };
    } catch (err) {
      yield { op: 'unlink', path: tmp };
      throw err;
    }
    yield* checkPlaced(target, id);
  }
  yield { op: 'fsync-dir', path: path.dirname(target) };
  return id;
}

function lstatOrUndefinedSync(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

const DIR_FLAGS: number = fs.constants.O_RDONLY | (fs.constants.O_DIRECTORY ?? 0);

function fsyncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, DIR_FLAGS);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function runSync(op: Op, hooks: AtomicWriteHooks): unknown {
  switch (op.op) {
    case 'open': {
      const fd = openSafeSync(op.path, CREATE_NEW_FLAGS, op.mode);
      const error = checkSingleLink(op.path, fs.fstatSync(fd));
      if (error === undefined) return fd;
      fs.closeSync(fd);
      throw error;
    }
    case 'write':
      return (hooks.write ?? fs.writeSync)(op.fd, op.data, op.offset, op.data.length - op.offset);
    case 'fsync':
      return fs.fsyncSync(op.fd);
    case 'fchmod':
      return fs.fchmodSync(op.fd, op.mode);
    case 'fstat':
      return fs.fstatSync(op.fd);
    case 'close':
      return fs.closeSync(op.fd);
    case 'rename':
      return fs.renameSync(op.from, op.to);
    case 'link':
      return fs.linkSync(op.from, op.to);
    case 'lstat':
      return lstatOrUndefinedSync(op.path);
    case 'unlink':
      return fs.unlinkSync(op.path);
    case 'fsync-dir':
      return fsyncDirSync(op.path);
  }
}

/**
 * Passes `op` through the `step` hook (which may throw to fail it) and says whether a failure of
 * `op` counts: best-effort ops never fail. `close` is not hooked (a failed hook would leak the fd).
 */
function failable(op: Op, hooks: AtomicWriteHooks): boolean {
  if (BEST_EFFORT.has(op.op)) return false;
  if (op.op !== 'close') hooks.step?.(op.op as AtomicStep);
  return true;
}

/**
 * Writes `data` to `target` atomically (see the module comment).
 * @returns the device and inode of the file now at `target`
 * @throws SidewireError ERR_FILE_UNSAFE (a link or unsafe file where the temp goes, or the target
 *   replaced meanwhile: `details.replaced`), ERR_INVALID_ARGUMENT (mode); the system error
 *   otherwise (EEXIST for `link-exclusive` when the target exists)
 */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}, hooks: AtomicWriteHooks = {}): WrittenFile {
  checkMode(options.mode ?? 0o600);
  const gen = steps(target, typeof data === 'string' ? Buffer.from(data) : data, options, hooks);
  let next = gen.next();
  while (next.done !== true) {
    const op = next.value;
    let result: unknown;
    try {
      const strict = failable(op, hooks);
      try {
        result = runSync(op, hooks);
      } catch (err) {
        if (strict) throw err;
      }
    } catch (err) {
      next = gen.throw(err);
      continue;
    }
    next = gen.next(result);
  }
  return next.value;
}

async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fs.promises.open(dir, DIR_FLAGS);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function runAsync(op: Op, hooks: AtomicWriteHooks, handles: Map<number, fs.promises.FileHandle>): Promise<unknown> {
  const fh = 'fd' in op ? handles.get(op.fd) : undefined;
  switch (op.op) {
    case 'open': {
      const opened = await openSafe(op.path, CREATE_NEW_FLAGS, op.mode);
      const error = checkSingleLink(op.path, await opened.stat());
      if (error !== undefined) {
        await opened.close();
        throw error;
      }
      handles.set(opened.fd, opened);
      return opened.fd;
    }
    case 'write':
      if (hooks.write) return hooks.write(op.fd, op.data, op.offset, op.data.length - op.offset);
      return (await fh!.write(op.data, op.offset, op.data.length - op.offset)).bytesWritten;
    case 'fsync':
      return fh!.sync();
    case 'fchmod':
      return fh!.chmod(op.mode);
    case 'fstat':
      return fh!.stat();
    case 'close':
      handles.delete(op.fd);
      return fh!.close();
    case 'rename':
      return fs.promises.rename(op.from, op.to);
    case 'link':
      return fs.promises.link(op.from, op.to);
    case 'lstat':
      return fs.promises.lstat(op.path).catch((err: unknown) => {
        if (systemCode(err) === 'ENOENT') return undefined;
        throw err;
      });
    case 'unlink':
      return fs.promises.unlink(op.path);
    case 'fsync-dir':
      return fsyncDir(op.path);
  }
}

/** `writeFileAtomicSync` with fs.promises: the same steps, without blocking the event loop. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}, hooks: AtomicWriteHooks = {}): Promise<WrittenFile> {
  checkMode(options.mode ?? 0o600);
  const gen = steps(target, typeof data === 'string' ? Buffer.from(data) : data, options, hooks);
  const handles = new Map<number, fs.promises.FileHandle>();
  let next = gen.next();
  while (next.done !== true) {
    const op = next.value;
    let result: unknown;
    try {
      const strict = failable(op, hooks);
      try {
        result = await runAsync(op, hooks, handles);
      } catch (err) {
        if (strict) throw err;
      }
    } catch (err) {
      next = gen.throw(err);
      continue;
    }
    next = gen.next(result);
  }
  return next.value;
}
