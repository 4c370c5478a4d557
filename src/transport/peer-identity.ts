/**
 * Kernel-verified peer identity of accepted connections (docs/security.md "Peer identity"): the
 * pid, uid and gid of the process at the other end of a unix socket (a path or a Linux abstract
 * name), read with SO_PEERCRED through the native helper (native/shm.c, `peerCredentials`).
 *
 * Where there is none — TCP, Windows named pipes, a platform or install without the native
 * helper — `readPeerIdentity` returns undefined and `peerIdentityUnavailable` says why, so an
 * access policy falls back to the token (src/server/access-policy.ts).
 */
import type { Socket } from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { PeerIdentity } from '../protocol/client-info.js';
import { socketPeerCredentials } from './shm/peer-credentials.js';
import { shmNative, shmUnavailable } from './shm/native.js';

/** The kernel's credentials of the peer of an accepted `socket`, or undefined when it has none to give. */
export function readPeerIdentity(socket: Socket): PeerIdentity | undefined {
  const native = shmNative();
  if (native === null) return undefined;
  const creds = socketPeerCredentials(native, socket);
  return creds === undefined ? undefined : { pid: creds.pid, uid: creds.uid, gid: creds.gid };
}

/**
 * Why the connections of `endpoint` (or of any endpoint, when omitted) carry no kernel-verified
 * identity here, or undefined when they do.
 */
export function peerIdentityUnavailable(endpoint?: Endpoint): string | undefined {
  if (endpoint !== undefined && (endpoint.kind === 'tcp' || endpoint.kind === 'pipe')) {
    return endpoint.kind === 'tcp'
      ? 'a TCP connection has no peer credentials (the kernel knows no local user for it)'
      : 'a Windows named pipe has no peer credentials in sidewire';
  }
  if (process.platform !== 'linux') return `peer credentials are read on Linux only (this is ${process.platform})`;
  const why = shmUnavailable();
  return why === undefined ? undefined : `peer credentials need the native helper: ${why}`;
}

/** What `sidewire doctor` shows about peer credentials. */
export interface PeerIdentityStatus {
  /** SO_PEERCRED can be read for unix-socket connections here. */
  readonly available: boolean;
  /** Why not (with the fix), or null. */
  readonly reason: string | null;
}

/** Whether unix-socket connections get a kernel-verified peer identity on this machine. */
export function peerIdentityStatus(): PeerIdentityStatus {
  const reason = peerIdentityUnavailable();
  return { available: reason === undefined, reason: reason ?? null };
}
