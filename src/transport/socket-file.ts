/**
 * Binding a Unix socket file with its final mode, publishing it only once it is verified, and
 * removing it later only if it is still ours (same device and inode). docs/protocol.md §2
 * "Permissions", docs/security.md "Files".
 *
 * The socket's directory may be writable by other users (a shared dir, with or without the sticky
 * bit), who can then rename, remove and replace its entries at any moment. So nothing that lives
 * in that directory is ever chmod'ed or linked by a path another user can swap:
 *
 * - With /proc/self/fd (Linux): a private directory `<dir>/.sw-XXXXXX` (mkdtemp, 0700) is created
 *   and opened (O_DIRECTORY|O_NOFOLLOW; fstat: ours, no group/other access), and the socket is
 *   bound at `/proc/self/fd/<dirfd>/s`. That path resolves through the descriptor, so renaming or
 *   replacing `.sw-XXXXXX` changes nothing, and nobody else can enter the directory. The umask is
 *   narrowed around the synchronous bind so the socket is born with its mode; where the umask
 *   cannot be changed (worker threads) it is chmod'ed through the descriptor path. The staged
 *   socket is lstat'ed (a socket of ours with the mode), hard-linked to the public path (link
 *   never follows a link at the destination: EEXIST if anything is there), and the public path is
 *   lstat'ed: the same device and inode, or ERR_FILE_UNSAFE. The descriptor stays open until the
 *   server closes: libuv unlinks the bind path on close, which must still name our (by then empty)
 *   directory, never a directory that reused the descriptor number. The path is short (about 20
 *   bytes), whatever the directory.
 * - Without it (macOS/BSD): only a directory where other users cannot rename our entries (ours or
 *   root's, and not group/other-writable unless sticky) is used; anything else is ERR_FILE_UNSAFE.
 *   There the socket is bound at a staging name `<dir>/.sw-<hex>` with the narrowed umask, checked
 *   by lstat, linked and verified the same way. libuv's unlink on close then touches only the
 *   staging name (long paths bind the public path directly, as before).
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SidewireError, systemCode } from '../errors.js';
import { ownUid, unsafeFileError } from '../util/safe-file.js';
import { listenServer } from './bind.js';

/** Identity of a file: device and inode. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** Longest socket path (sun_path less its NUL): 107 bytes on Linux, 103 on macOS/BSD. */
export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;

/** Test hooks: where the bind happens, and a look at each step (another user's moves). */
export interface BindSocketOptions {
  /**
   * Bind through /proc/self/fd when it is available.
   * @default true
   */
  readonly procFd?: boolean;
  /**
   * Called right after the bind ('bound', with the path another user sees in the shared dir)
   * and right after the link to the public path ('published'). For tests.
   * @default undefined
   */
  readonly onStep?: (step: 'bound' | 'published', where: string) => void;
}

/** Narrows the umask so a new file gets exactly `mode`; returns a restore function (no-op where the umask cannot be set, e.g. in worker threads). */
function narrowUmask(mode: number): () => void {
  try {
    const previous = process.umask(0o777 & ~mode);
    return () => process.umask(previous);
  } catch {
    return () => undefined;
  }
}

function identityOf(st: fs.Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino };
}

function sameIdentity(st: fs.Stats, id: FileIdentity): boolean {
  return st.dev === id.dev && st.ino === id.ino;
}

/** The ERR_FILE_UNSAFE for a socket file that is not what we bound (or not a socket of ours with `mode`). */
function socketError(p: string, st: fs.Stats | undefined, mode: number, expected?: FileIdentity): SidewireError | undefined {
  const fix = `remove ${p} and start again, in a directory other users cannot write (the runtime dir, or one with the sticky bit like /tmp)`;
  if (st === undefined) return unsafeFileError(p, 'the socket vanished while it was being bound (another user removed it)', fix, { reason: 'type' });
  if (st.isSymbolicLink()) return unsafeFileError(p, 'the socket was replaced by a symbolic link while it was being bound', fix, { reason: 'symlink' });
  if (!st.isSocket()) return unsafeFileError(p, 'it is not the socket we bound', fix, { reason: 'type' });
  const uid = ownUid();
  if (uid !== null && st.uid !== uid) {
    return unsafeFileError(p, `it is owned by uid ${st.uid}, not by you (uid ${uid})`, fix, { reason: 'foreign-owner', owner: st.uid });
  }
  if (expected !== undefined && !sameIdentity(st, expected)) return unsafeFileError(p, 'it is not the socket we bound (it was replaced)', fix, { reason: 'type' });
  if ((st.mode & 0o777) !== mode) {
    const got = (st.mode & 0o777).toString(8).padStart(4, '0');
    return unsafeFileError(p, `its mode is ${got}, not ${mode.toString(8).padStart(4, '0')}`, fix, { reason: 'mode', mode: got });
  }
  return undefined;
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * lstats `p` (named `shownAs` in errors) and returns its identity when it is a socket of ours
 * with `mode` (and, given `expected`, that very socket).
 * @throws SidewireError ERR_FILE_UNSAFE
 */
function verifiedIdentity(p: string, shownAs: string, mode: number, expected?: FileIdentity): FileIdentity {
  const st = lstatOrUndefined(p);
  const error = socketError(shownAs, st, mode, expected);
  if (error !== undefined || st === undefined) throw error ?? new Error('unreachable');
  return identityOf(st);
}

function tooLong(p: string): Error {
  return Object.assign(new Error(`${p} is ${Buffer.byteLength(p)} bytes, longer than a socket path can be (${SOCKET_PATH_MAX})`), { code: 'ENAMETOOLONG' });
}

/** A private directory of ours in the socket's directory, reachable through a descriptor. */
interface Staging {
  readonly dir: string;
  readonly fd: number;
  readonly identity: FileIdentity;
  /** `/proc/self/fd/<fd>`, or undefined when the descriptor path does not lead back to it. */
  readonly viaFd: string | undefined;
}

function openStaging(parent: string): Staging {
  const dir = fs.mkdtempSync(path.join(parent, '.sw-'));
  let fd: number;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    if (systemCode(err) === 'ELOOP' || systemCode(err) === 'ENOTDIR') {
      throw unsafeFileError(dir, 'our new private directory was replaced by another user', `start again in a directory other users cannot write`, { reason: 'symlink' });
    }
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    const uid = ownUid();
    if (!st.isDirectory() || (uid !== null && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw unsafeFileError(dir, 'our new private directory was replaced by another user', `start again in a directory other users cannot write`, { reason: 'foreign-owner', owner: st.uid });
    }
    const identity = identityOf(st);
    let viaFd: string | undefined;
    const candidate = `/proc/self/fd/${fd}`;
    try {
      if (sameIdentity(fs.statSync(candidate), identity)) viaFd = candidate;
    } catch {
      // no /proc here
    }
    return { dir, fd, identity, viaFd };
  } catch (err) {
    fs.closeSync(fd);
    removeStagingDir(dir, undefined);
    throw err;
  }
}

/** Removes the staging directory if it is still ours and empty. Never throws. */
function removeStagingDir(dir: string, identity: FileIdentity | undefined): void {
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || st.uid !== (ownUid() ?? st.uid)) return;
    if (identity !== undefined && !sameIdentity(st, identity)) return;
    fs.rmdirSync(dir);
  } catch {
    // gone, replaced or not empty: nothing of ours to remove
  }
}

/** True when users other than us (and root) can rename or replace entries in `dir`. */
function othersCanReplaceEntries(dir: string): boolean {
  const uid = ownUid();
  if (uid === null) return false;
  const st = fs.statSync(dir);
  if (st.uid !== uid && st.uid !== 0) return true;
  return (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
}

/**
 * Binds `server` with umask narrowed to `mode`, calling `onBound` synchronously right after the
 * bind (before any other code of this process runs).
 */
async function bindNarrowed(server: net.Server, bindPath: string, mode: number, onBound: () => void): Promise<void> {
  const restoreUmask = narrowUmask(mode);
  let hookError: unknown;
  await listenServer(server, { path: bindPath, exclusive: true }, (bound) => {
    restoreUmask();
    if (!bound) return;
    try {
      onBound();
    } catch (err) {
      hookError = err;
    }
  });
  if (hookError !== undefined) throw hookError;
}

/**
 * Links the verified socket at `from` to `socketPath` (renames it on a filesystem without hard
 * links: the path was verified free under the lock), then checks that the public path is it.
 * Returns whether `from` is still there.
 */
function publish(from: string, socketPath: string, identity: FileIdentity, mode: number, options: BindSocketOptions): boolean {
  let linked = true;
  try {
    fs.linkSync(from, socketPath);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'EEXIST') throw Object.assign(new Error(`${socketPath} appeared while binding`), { code: 'EADDRINUSE', cause: err });
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw err;
    fs.renameSync(from, socketPath);
    linked = false;
  }
  options.onStep?.('published', socketPath);
  verifiedIdentity(socketPath, socketPath, mode, identity);
  return linked;
}

async function bindViaFd(server: net.Server, socketPath: string, mode: number, staging: Staging & { viaFd: string }, options: BindSocketOptions): Promise<FileIdentity> {
  const bindPath = `${staging.viaFd}/s`;
  const visible = path.join(staging.dir, 's');
  // From here on the descriptor is closed only once libuv's unlink of bindPath has run (server 'close').
  let bound = false;
  try {
    await bindNarrowed(server, bindPath, mode, () => {
      bound = true;
      server.once('close', () => fs.closeSync(staging.fd));
      options.onStep?.('bound', visible);
      // Worker threads cannot narrow the umask: fix the mode inside our private directory.
      const st = fs.lstatSync(bindPath);
      if ((st.mode & 0o777) !== mode) fs.chmodSync(bindPath, mode);
    });
    const identity = verifiedIdentity(bindPath, visible, mode);
    if (publish(bindPath, socketPath, identity, mode, options)) fs.unlinkSync(bindPath);
    return identity;
  } catch (err) {
    if (bound) server.close(); // libuv unlinks bindPath, then 'close' closes the descriptor
    else fs.closeSync(staging.fd);
    throw err;
  } finally {
    removeStagingDir(staging.dir, staging.identity);
  }
}

async function bindInPlace(server: net.Server, socketPath: string, mode: number, options: BindSocketOptions): Promise<FileIdentity> {
  const dir = path.dirname(socketPath);
  if (othersCanReplaceEntries(dir)) {
    throw unsafeFileError(dir, 'other users can rename or replace files in it (it is writable by group/other without the sticky bit), and this system has no /proc/self/fd to bind through', `run: chmod +t ${dir} (or chmod go-w ${dir})`, { reason: 'mode' });
  }
  const staging = path.join(dir, `.sw-${randomBytes(4).toString('hex')}`);
  const bindPath = Buffer.byteLength(staging) > SOCKET_PATH_MAX ? socketPath : staging;
  await bindNarrowed(server, bindPath, mode, () => {
    options.onStep?.('bound', bindPath);
    // Worker threads cannot narrow the umask; nobody else can replace our entries here (checked above).
    const st = fs.lstatSync(bindPath);
    if (st.isSocket() && (st.mode & 0o777) !== mode) fs.chmodSync(bindPath, mode);
  }).catch((err: unknown) => {
    if (server.listening) server.close();
    throw err;
  });
  try {
    const identity = verifiedIdentity(bindPath, bindPath, mode);
    if (bindPath !== socketPath && publish(bindPath, socketPath, identity, mode, options)) fs.unlinkSync(bindPath);
    return identity;
  } catch (err) {
    server.close(); // libuv unlinks bindPath (only a name: unlink never follows a link)
    throw err;
  }
}

/**
 * Binds `server` to `socketPath` with `mode` and returns the file's identity.
 * The path must be free (the caller holds the lock and probed it).
 * @throws the system error of bind/link (EADDRINUSE if something appeared at the path,
 *   ENAMETOOLONG), or SidewireError ERR_FILE_UNSAFE when another user swapped what was bound
 */
export async function bindSocketFile(server: net.Server, socketPath: string, mode: number, options: BindSocketOptions = {}): Promise<FileIdentity> {
  if (Buffer.byteLength(socketPath) > SOCKET_PATH_MAX) throw tooLong(socketPath);
  const parent = path.dirname(socketPath);
  if (options.procFd !== false && process.platform === 'linux') {
    const staging = openStaging(parent);
    if (staging.viaFd !== undefined) return bindViaFd(server, socketPath, mode, { ...staging, viaFd: staging.viaFd }, options);
    fs.closeSync(staging.fd);
    removeStagingDir(staging.dir, staging.identity);
  }
  return bindInPlace(server, socketPath, mode, options);
}

/**
 * Removes `p` only if it is still the file `identity` describes. Sync, never throws.
 * Sound while our server is still bound: a bound socket keeps its inode allocated, so a newer
 * file at the path cannot have been given the same inode number. Call it before closing.
 */
export function removeIfSame(p: string, identity: FileIdentity): boolean {
  try {
    const st = fs.lstatSync(p);
    if (!sameIdentity(st, identity)) return false;
    fs.unlinkSync(p);
    return true;
  } catch {
    return false;
  }
}
