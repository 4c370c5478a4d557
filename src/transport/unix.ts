/**
 * Listening on a Unix socket file, with race-free stale reclaim (docs/protocol.md §2).
 *
 * Under `<path>.lock`: probe the path; a socket that refuses connections is stale and removed;
 * a socket that accepts belongs to a live server, which is never displaced (ERR_ENDPOINT_IN_USE
 * naming its pid); anything that is not a socket is left alone (ERR_ENDPOINT_NOT_SOCKET).
 * Then bind, and release the lock.
 *
 * Why holding the lock only around probe → unlink → bind is race-free: the only destructive step
 * (unlinking a stale socket) happens under the lock, right after a probe under the same lock
 * found nobody accepting, and after re-checking the lock is still ours. A server that bound under
 * the lock is already accepting (Node binds and listens in one synchronous call) when it releases
 * the lock, so every later lock holder's probe sees it as live and fails instead of removing it.
 * Two starters can therefore never remove each other's live socket; at most one of them binds.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { EndpointError, SidewireError, systemCode, createError } from '../errors.js';
import { ownUid, unsafeFileError } from '../util/safe-file.js';
import type { BoundServer } from './bind.js';
import { findOwnerPid } from './discovery.js';
import { registerExitCleanup } from './exit-cleanup.js';
import { mapListenError } from './listen-errors.js';
import { acquireLock, isLockStillOurs, releaseLock } from './lock-file.js';
import type { HeldLock } from './lock-file.js';
import { probeEndpoint } from './probe.js';
import { bindSocketFile, removeIfSame } from './socket-file.js';
import type { FileIdentity } from './socket-file.js';

export type UnixEndpoint = Extract<Endpoint, { kind: 'unix' }>;

export interface UnixListenContext {
  /** Where discovery files live (to name the pid of a live owner). */
  readonly runtimeDir: string;
  /** Service name (its discovery file is checked first). */
  readonly name: string;
  /** Socket file mode. */
  readonly socketMode: number;
  /** How long to wait for a lock held by a live process. */
  readonly lockTimeoutMs: number;
  /** Whether to remove the lock on SIGINT/SIGTERM/exit while it is held. */
  readonly cleanupOnExit: boolean;
  /** Environment variable named in fixes. */
  readonly envVar: string | undefined;
}

/** How often to start over after losing the lock to a concurrent stale-lock breaker. */
const MAX_LOCK_LOSSES = 5;

function inUse(endpoint: UnixEndpoint, ctx: UnixListenContext, pid: number | undefined, operation: string): EndpointError {
  const ownerPid = pid ?? findOwnerPid(ctx.runtimeDir, ctx.name, endpoint);
  const err = Object.assign(new Error(`${endpoint.path} is in use`), { code: 'EADDRINUSE' });
  return mapListenError(err, endpoint, { operation, envVar: ctx.envVar, ...(ownerPid === undefined ? {} : { ownerPid }) });
}

function notSocket(endpoint: UnixEndpoint, what: string, ctx: UnixListenContext): EndpointError {
  const noun = what === 'directory' ? 'a directory' : what === 'file' ? 'a regular file' : 'not a socket';
  const p = endpoint.path;
  return createError('ERR_ENDPOINT_NOT_SOCKET', `cannot listen on unix://${p}: the path is ${noun}, not a socket; it was left alone`, {
    details: { path: p, what },
    fixes: [
      `move it away if it is not needed (mv ${p} ${p}.bak), then start again`,
      `or choose another socket path: set ${ctx.envVar ?? '<APP>_ENDPOINT'}=unix://${p}-2.sock`,
    ],
  });
}

/**
 * A stale socket is removed only when it is ours (docs/security.md "Files"): one left by another
 * user is refused with ERR_FILE_UNSAFE instead (unlink never follows a link, but we do not delete
 * other users' files).
 */
function checkStaleSocket(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return; // gone already: the unlink below copes
  }
  const uid = ownUid();
  if (uid !== null && st.uid !== uid) {
    throw unsafeFileError(p, `it is a stale socket owned by uid ${st.uid}, not by you (uid ${uid})`, `remove it (as its owner or root): rm ${p}`, {
      reason: 'foreign-owner',
      owner: st.uid,
    });
  }
}

/** Probe, reclaim and bind while holding `lock`. 'lost-lock' means start over. */
async function bindUnderLock(endpoint: UnixEndpoint, lock: HeldLock, ctx: UnixListenContext): Promise<BoundServer | 'lost-lock'> {
  const probe = await probeEndpoint(endpoint);
  switch (probe.state) {
    case 'live':
      throw inUse(endpoint, ctx, undefined, 'probe');
    case 'not-socket':
      throw notSocket(endpoint, probe.what, ctx);
    case 'unknown': {
      const err = Object.assign(new Error(`probing ${endpoint.path}: ${probe.error}`), { code: probe.errno ?? 'EUNKNOWN' });
      throw mapListenError(err, endpoint, { operation: 'probe', envVar: ctx.envVar });
    }
    case 'stale':
      if (!isLockStillOurs(lock)) return 'lost-lock';
      checkStaleSocket(endpoint.path);
      try {
        fs.unlinkSync(endpoint.path);
      } catch (err) {
        if (systemCode(err) !== 'ENOENT') throw mapListenError(err, endpoint, { operation: 'remove stale socket', envVar: ctx.envVar });
      }
      break;
    case 'absent':
      break;
  }
  if (!isLockStillOurs(lock)) return 'lost-lock';
  const server = net.createServer();
  let identity: FileIdentity;
  try {
    identity = await bindSocketFile(server, endpoint.path, ctx.socketMode);
  } catch (err) {
    if (err instanceof SidewireError) throw err; // ERR_FILE_UNSAFE: another user swapped what we bound
    throw systemCode(err) === 'EADDRINUSE' ? inUse(endpoint, ctx, undefined, 'bind') : mapListenError(err, endpoint, { operation: 'bind', envVar: ctx.envVar });
  }
  return { server, endpoint, removeFiles: () => void removeIfSame(endpoint.path, identity) };
}

/**
 * Listens on a Unix socket file, reclaiming a stale one.
 * @throws EndpointError ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_NOT_SOCKET, ERR_ENDPOINT_PERMISSION, ERR_ENDPOINT_LISTEN...
 */
export async function listenUnix(endpoint: UnixEndpoint, ctx: UnixListenContext): Promise<BoundServer> {
  const lockPath = `${endpoint.path}.lock`;
  for (let losses = 0; ; losses++) {
    let acquired;
    try {
      acquired = await acquireLock(lockPath, { timeoutMs: ctx.lockTimeoutMs });
    } catch (err) {
      if (err instanceof SidewireError) throw err; // ERR_FILE_UNSAFE: a planted or foreign lock file
      throw mapListenError(err, endpoint, { operation: 'create lock file', path: lockPath, envVar: ctx.envVar });
    }
    if (!acquired.ok) throw inUse(endpoint, ctx, acquired.holderPid, 'wait for lock');
    const lock = acquired.lock;
    const unregister = ctx.cleanupOnExit ? registerExitCleanup(() => releaseLock(lock)) : () => undefined;
    try {
      const result = await bindUnderLock(endpoint, lock, ctx);
      if (result !== 'lost-lock') return result;
      if (losses >= MAX_LOCK_LOSSES) throw inUse(endpoint, ctx, undefined, 'lock');
    } finally {
      releaseLock(lock);
      unregister();
    }
  }
}
