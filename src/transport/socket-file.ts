/**
 * Binding a Unix socket file with its final mode from the first instant, and removing it later
 * only if it is still ours (same device and inode).
 *
 * Two facts shape this:
 * - Node binds a path synchronously inside `server.listen()`, and creates the file with
 *   `0777 & ~umask`. In a private parent directory (ours, no group/other access) nobody else can
 *   reach the file, so a `chmod` right after the bind closes no window. In a shared directory
 *   (e.g. /tmp) the process umask is narrowed around the synchronous `listen()` call instead.
 * - libuv unlinks the bound path when the server closes, whoever's file is there by then. So we
 *   bind a private staging name, hard-link it to the public path (atomic; fails if anything is
 *   there) and unlink the staging name: the server's own close then touches only the staging
 *   name, and the public path is removed by us after an inode check.
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemCode } from '../errors.js';
import { listenServer } from './bind.js';

/** Identity of a file: device and inode. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** Longest socket path we let the staging name reach (macOS/BSD limit, the smallest). */
const STAGING_PATH_MAX = 103;

/** True when `dir` is a directory owned by us with no group/other access. */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = fs.statSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** Narrows the umask so a new file gets at most `mode`; returns a restore function (no-op if umask is unavailable, e.g. in worker threads). */
function narrowUmask(mode: number): () => void {
  try {
    const previous = process.umask(0o777 & ~mode);
    return () => process.umask(previous);
  } catch {
    return () => undefined;
  }
}

function stagingPath(socketPath: string): string {
  const staging = path.join(path.dirname(socketPath), `.sw-${randomBytes(4).toString('hex')}`);
  const tooLong = Buffer.byteLength(staging) > Math.max(STAGING_PATH_MAX, Buffer.byteLength(socketPath));
  return tooLong ? socketPath : staging;
}

function identityOf(p: string): FileIdentity {
  const st = fs.lstatSync(p);
  return { dev: st.dev, ino: st.ino };
}

/**
 * Binds `server` to `socketPath` with `mode` and returns the file's identity.
 * The path must be free (the caller holds the lock and probed it).
 * @throws the system error of bind/link (EADDRINUSE if something appeared at the path)
 */
export async function bindSocketFile(server: net.Server, socketPath: string, mode: number): Promise<FileIdentity> {
  const bindPath = stagingPath(socketPath);
  const restoreUmask = isPrivateDir(path.dirname(socketPath)) ? () => undefined : narrowUmask(mode);
  let chmodError: unknown;
  await listenServer(server, { path: bindPath, exclusive: true }, (bound) => {
    restoreUmask();
    if (!bound) return;
    try {
      fs.chmodSync(bindPath, mode);
    } catch (err) {
      chmodError = err;
    }
  });
  if (chmodError !== undefined) {
    server.close(); // unlinks the bound path
    throw chmodError;
  }
  if (bindPath === socketPath) return identityOf(socketPath);
  try {
    publish(bindPath, socketPath);
  } catch (err) {
    server.close(); // unlinks the staging name
    throw err;
  }
  return identityOf(socketPath);
}

function publish(bindPath: string, socketPath: string): void {
  try {
    fs.linkSync(bindPath, socketPath);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'EEXIST') throw Object.assign(new Error(`${socketPath} appeared while binding`), { code: 'EADDRINUSE', cause: err });
    // A filesystem without hard links: the path was verified free under the lock, rename instead.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') {
      fs.renameSync(bindPath, socketPath);
      return;
    }
    throw err;
  }
  fs.unlinkSync(bindPath);
}

/**
 * Removes `p` only if it is still the file `identity` describes. Sync, never throws.
 * Sound while our server is still bound: a bound socket keeps its inode allocated, so a newer
 * file at the path cannot have been given the same inode number. Call it before closing.
 */
export function removeIfSame(p: string, identity: FileIdentity): boolean {
  try {
    const st = fs.lstatSync(p);
    if (st.dev !== identity.dev || st.ino !== identity.ino) return false;
    fs.unlinkSync(p);
    return true;
  } catch {
    return false;
  }
}
