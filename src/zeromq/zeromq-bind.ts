/**
 * Binding a zeromq.js socket where sidewire's endpoint layer says it may (docs/zeromq.md
 * "A live server is never displaced").
 *
 * libzmq removes whatever is at an `ipc://` path before it binds, so a second process binding
 * the same path silently steals it from a live server. sidewire never lets libzmq see a path
 * that is in use: under the same lock file sidewire's own servers use (`<path>.lock`,
 * transport/lock-file.ts) it probes the path (transport/probe.ts): a socket that accepts is a live
 * server, ERR_ENDPOINT_IN_USE; one that refuses is stale (its server was killed) and is removed
 * if it is ours; anything that is not a socket is left alone, ERR_ENDPOINT_NOT_SOCKET.
 *
 * The socket is then bound in a private directory (`<dir>/.sw-XXXXXX`, mode 0700), given its
 * mode there, and hard-linked to the public path, which fails if anything appeared there (no
 * window in which the socket is wider than its mode, and libzmq never unlinks the public path:
 * on close it unlinks only the private name, already gone). When the private path would be too
 * long for a socket, the public path is bound directly with the umask narrowed to the mode.
 * Closing removes the public file only if it is still the one bound (same inode).
 *
 * `tcp://` and abstract `ipc://@name` need none of this: the OS refuses a second bind
 * (EADDRINUSE → ERR_ENDPOINT_IN_USE).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createError, SidewireError, systemCode, type EndpointError } from '../errors.js';
import { acquireLock, isLockStillOurs, releaseLock } from '../transport/lock-file.js';
import { probeEndpoint } from '../transport/probe.js';
import { registerExitCleanup } from '../transport/exit-cleanup.js';
import { removeIfSame, SOCKET_PATH_MAX, type FileIdentity } from '../transport/socket-file.js';
import { ownUid, unsafeFileError } from '../util/safe-file.js';
import type { ZmqSocket } from './load-zeromq.js';
import { formatZeroMQ, type ResolvedZeroMQAddress, type ZeroMQEndpoint } from './zeromq-address.js';

export interface ZeroMQBindContext {
  /** Mode of an `ipc://` socket file. */
  readonly socketMode: number;
  /** How long to wait for a lock held by a live process. */
  readonly lockTimeoutMs: number;
  /** Remove the socket file (and a held lock) on SIGINT/SIGTERM/exit. */
  readonly cleanupOnExit: boolean;
}

/** A bound socket's address and its file cleanup. */
export interface BoundZeroMQ {
  /** The address peers connect to (`tcp://` with the real port). */
  readonly address: string;
  /** Removes the socket file if it is still ours; call after closing the socket. Never throws. */
  release(): void;
}

type UnixEndpoint = Extract<ZeroMQEndpoint, { kind: 'unix' }>;

function inUse(endpoint: ZeroMQEndpoint, cause?: unknown): EndpointError {
  const where = formatZeroMQ(endpoint);
  return createError('ERR_ENDPOINT_IN_USE', `cannot bind the ZeroMQ endpoint ${where}: another server is alive there; it was left alone (a ZeroMQ bind would have removed its socket)`, {
    fixes: ['stop the other server first', endpoint.kind === 'tcp' ? `or choose another port (tcp://${endpoint.host}:0 picks a free one)` : `or choose another path, e.g. ${where.replace(/(\.sock)?$/, '-2.sock')}`],
    details: { endpoint: where },
    ...(cause === undefined ? {} : { cause }),
  }) as EndpointError;
}

/** A bind error of zeromq.js or the file system as an endpoint error. */
function bindFailed(endpoint: ZeroMQEndpoint, err: unknown, operation: string): SidewireError {
  if (err instanceof SidewireError) return err;
  const errno = systemCode(err);
  const where = formatZeroMQ(endpoint);
  if (errno === 'EADDRINUSE' || errno === 'EEXIST') return inUse(endpoint, err);
  const why = err instanceof Error ? err.message : String(err);
  const details = { endpoint: where, errno, operation };
  if (errno === 'EACCES' || errno === 'EPERM') {
    const fix = endpoint.kind === 'unix' ? `make ${path.dirname(endpoint.path)} writable by you (check: ls -ld ${path.dirname(endpoint.path)})` : 'use a port of 1024 or higher';
    return createError('ERR_ENDPOINT_PERMISSION', `cannot bind the ZeroMQ endpoint ${where} (${operation}): permission denied (${errno})`, { fixes: [fix], details, cause: err });
  }
  const fix = endpoint.kind === 'unix' ? `check that ${path.dirname(endpoint.path)} exists and is writable (mkdir -p -m 700 ${path.dirname(endpoint.path)})` : 'check the host and port';
  return createError('ERR_ENDPOINT_LISTEN', `cannot bind the ZeroMQ endpoint ${where} (${operation}): ${why}`, { fixes: [fix], details, cause: err });
}

/**
 * Binds `socket` at `resolved` (probe + lock + private bind for `ipc://` paths, see above).
 * @throws EndpointError ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_NOT_SOCKET, ERR_ENDPOINT_PERMISSION,
 *   ERR_ENDPOINT_LISTEN; SidewireError ERR_FILE_UNSAFE for a lock or stale socket we cannot trust
 */
export async function bindZeroMQ(socket: ZmqSocket, resolved: ResolvedZeroMQAddress, ctx: ZeroMQBindContext): Promise<BoundZeroMQ> {
  const { endpoint } = resolved;
  if (endpoint.kind !== 'unix') {
    try {
      await socket.bind(resolved.address);
    } catch (err) {
      throw bindFailed(endpoint, err, 'bind');
    }
    return { address: socket.lastEndpoint ?? resolved.address, release: () => undefined };
  }
  const lockPath = `${endpoint.path}.lock`;
  let acquired;
  try {
    acquired = await acquireLock(lockPath, { timeoutMs: ctx.lockTimeoutMs });
  } catch (err) {
    throw bindFailed(endpoint, err, 'create lock file');
  }
  if (!acquired.ok) throw inUse(endpoint);
  const lock = acquired.lock;
  const unregisterLock = ctx.cleanupOnExit ? registerExitCleanup(() => releaseLock(lock)) : () => undefined;
  let identity: FileIdentity;
  try {
    await reclaim(endpoint);
    if (!isLockStillOurs(lock)) throw inUse(endpoint);
    identity = await bindFile(socket, endpoint, ctx.socketMode);
  } finally {
    releaseLock(lock);
    unregisterLock();
  }
  const cleanup = (): void => void removeIfSame(endpoint.path, identity);
  const unregister = ctx.cleanupOnExit ? registerExitCleanup(cleanup) : () => undefined;
  return {
    address: resolved.address,
    release: () => {
      unregister();
      cleanup();
    },
  };
}

/** Probes the path under the lock: live → in use; stale and ours → removed; not a socket → refused. */
async function reclaim(endpoint: UnixEndpoint): Promise<void> {
  const probe = await probeEndpoint(endpoint);
  switch (probe.state) {
    case 'absent':
      return;
    case 'live':
      throw inUse(endpoint);
    case 'not-socket':
      throw createError('ERR_ENDPOINT_NOT_SOCKET', `cannot bind the ZeroMQ endpoint ${formatZeroMQ(endpoint)}: the path is a ${probe.what === 'file' ? 'regular file' : probe.what}, not a socket; it was left alone`, {
        fixes: [`move it away if it is not needed (mv ${endpoint.path} ${endpoint.path}.bak), then start again`, `or choose another path, e.g. ipc://${endpoint.path}-2.sock`],
        details: { path: endpoint.path, what: probe.what },
      });
    case 'unknown':
      throw bindFailed(endpoint, Object.assign(new Error(`probing ${endpoint.path}: ${probe.error}`), { code: probe.errno }), 'probe');
    case 'stale': {
      const st = fs.lstatSync(endpoint.path, { throwIfNoEntry: false });
      const uid = ownUid();
      if (st !== undefined && uid !== null && st.uid !== uid) {
        throw unsafeFileError(endpoint.path, `it is a stale socket owned by uid ${st.uid}, not by you (uid ${uid})`, `remove it (as its owner or root): rm ${endpoint.path}`, { reason: 'foreign-owner', owner: st.uid });
      }
      try {
        fs.unlinkSync(endpoint.path);
      } catch (err) {
        if (systemCode(err) !== 'ENOENT') throw bindFailed(endpoint, err, 'remove stale socket');
      }
    }
  }
}

/** Binds the socket file with `mode` and returns its identity (see the module comment). */
async function bindFile(socket: ZmqSocket, endpoint: UnixEndpoint, mode: number): Promise<FileIdentity> {
  let staging: string;
  try {
    staging = fs.mkdtempSync(path.join(path.dirname(endpoint.path), '.sw-'));
  } catch (err) {
    throw bindFailed(endpoint, err, 'create private directory');
  }
  try {
    const inside = path.join(staging, 's');
    if (Buffer.byteLength(inside) > SOCKET_PATH_MAX) return await bindInPlace(socket, endpoint, mode);
    try {
      await socket.bind(`ipc://${inside}`);
      const st = fs.lstatSync(inside);
      if (!st.isSocket()) throw unsafeFileError(inside, 'what was bound is not a socket', 'start again');
      fs.chmodSync(inside, mode);
      fs.linkSync(inside, endpoint.path);
      fs.unlinkSync(inside);
      const pub = fs.lstatSync(endpoint.path);
      if (pub.ino !== st.ino || pub.dev !== st.dev) throw unsafeFileError(endpoint.path, 'it is not the socket we bound (it was replaced)', `remove ${endpoint.path} and start again`);
      return { dev: pub.dev, ino: pub.ino };
    } catch (err) {
      throw bindFailed(endpoint, err, 'bind'); // the caller closes the socket
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Binds the public path itself, the umask narrowed to `mode` for the bind. */
async function bindInPlace(socket: ZmqSocket, endpoint: UnixEndpoint, mode: number): Promise<FileIdentity> {
  let restore = (): void => undefined;
  try {
    const previous = process.umask(0o777 & ~mode);
    restore = () => void process.umask(previous);
  } catch {
    // worker threads cannot change the umask: chmod below
  }
  try {
    await socket.bind(`ipc://${endpoint.path}`);
  } catch (err) {
    throw bindFailed(endpoint, err, 'bind');
  } finally {
    restore();
  }
  fs.chmodSync(endpoint.path, mode);
  const st = fs.lstatSync(endpoint.path);
  return { dev: st.dev, ino: st.ino };
}
