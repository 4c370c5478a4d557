/**
 * Who is at the other end of a connection, as the kernel says (SO_PEERCRED through the native
 * helper): the process that connected, for a server; the process that listens, for a client. The
 * shared-memory side channel opens a peer's ring only through that process's own descriptors
 * (docs/shared-memory.md, "Checks"). Only unix sockets (paths and abstract names) have it: over
 * TCP, a custom transport, or a socket already closed there are none, and no ring is opened.
 */
import type { Duplex } from 'node:stream';
import type { ShmNative } from './native.js';

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** The peer's credentials of `socket`, or undefined when the kernel has none to give. */
export function socketPeerCredentials(native: ShmNative, socket: Duplex): PeerCredentials | undefined {
  // A net.Socket's libuv handle (a Pipe for unix sockets) exposes its descriptor; anything else has none.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return undefined;
  return native.peerCredentials(fd) ?? undefined;
}
