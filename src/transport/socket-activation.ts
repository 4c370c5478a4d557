/**
 * systemd socket activation (docs/daemon.md "Socket activation"), with `sd_listen_fds` semantics:
 * when `LISTEN_PID` is this process and `LISTEN_FDS` is n ≥ 1, descriptors 3 … 3+n-1 are
 * listening sockets handed over by the service manager (named by `LISTEN_FDNAMES`, colon
 * separated). A server then adopts one instead of binding: it never creates, locks or removes the
 * socket file (systemd owns it). The variables are removed from `process.env` once read, so the
 * daemon's own children do not take them for theirs.
 *
 * What a descriptor is (a listening stream socket, and its address) is asked of the kernel
 * through the native helper (`socketInfo`, native/peer.c). Without it the socket is adopted
 * unchecked and a warning says so.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { createError } from '../errors.js';
import { listenServer, type BoundServer } from './bind.js';
import { shmNative, type NativeSocketInfo } from './shm/native.js';

/** The first inherited descriptor (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;
/** The most descriptors accepted in LISTEN_FDS. */
const MAX_LISTEN_FDS = 64;

/** One socket handed over by the service manager. */
export interface InheritedSocket {
  readonly fd: number;
  /** Its name from LISTEN_FDNAMES (`FileDescriptorName=`, default the socket unit's name), if any. */
  readonly name: string | undefined;
  /** Its address as the kernel says, or undefined when it cannot be asked (no native helper). */
  readonly endpoint: Endpoint | undefined;
}

function activationError(message: string, details: Record<string, unknown>, fixes: readonly string[]): Error {
  return createError('ERR_SOCKET_ACTIVATION', message, { details, fixes });
}

/**
 * The sockets this process was activated with, or undefined when it was not (LISTEN_PID is not
 * this process, or LISTEN_FDS is unset). Reads and then removes the variables from `env`.
 * @throws EndpointError ERR_SOCKET_ACTIVATION for a bad LISTEN_FDS or a descriptor that is not a listening stream socket
 */
export function takeInheritedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): InheritedSocket[] | undefined {
  const listenPid = env['LISTEN_PID'];
  const listenFds = env['LISTEN_FDS'];
  if (listenPid === undefined || listenFds === undefined || Number(listenPid) !== pid) return undefined;
  const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
  const n = Number(listenFds);
  if (!/^\d{1,2}$/.test(listenFds) || n < 1 || n > MAX_LISTEN_FDS) {
    throw activationError(`LISTEN_FDS=${JSON.stringify(listenFds)} is not a number of sockets from 1 to ${MAX_LISTEN_FDS}`, { LISTEN_FDS: listenFds }, [
      'start the daemon from a systemd .socket unit (or a tool that sets LISTEN_FDS the same way)',
    ]);
  }
  const native = shmNative();
  return Array.from({ length: n }, (_, i) => {
    const fd = LISTEN_FDS_START + i;
    const name = names[i] === undefined || names[i] === '' ? undefined : names[i];
    return { fd, name, endpoint: native?.socketInfo === undefined ? undefined : describe(fd, native.socketInfo(fd)) };
  });
}

/** The endpoint of a listening stream socket. @throws ERR_SOCKET_ACTIVATION when it is not one */
function describe(fd: number, info: NativeSocketInfo | null): Endpoint {
  const fixes = ['use ListenStream= (not ListenDatagram= or ListenFIFO=) and Accept=no in the .socket unit'];
  if (info === null) throw activationError(`inherited descriptor ${fd} is not a socket`, { fd }, fixes);
  if (info.type !== 'stream' || !info.listening) {
    throw activationError(`inherited descriptor ${fd} is a ${info.listening ? 'listening' : 'non-listening'} ${info.type} socket, not a listening stream socket`, { fd, type: info.type }, fixes);
  }
  if (info.family === 'unix' && info.path !== undefined) return { kind: 'unix', path: info.path };
  if (info.family === 'unix' && info.abstract !== undefined) return { kind: 'abstract', name: info.abstract };
  if ((info.family === 'inet' || info.family === 'inet6') && info.address !== undefined && info.port !== undefined) {
    return { kind: 'tcp', host: info.address, port: info.port };
  }
  throw activationError(`inherited descriptor ${fd} is a ${info.family} socket sidewire cannot serve on`, { fd, family: info.family }, fixes);
}

/** True when `inherited` is the endpoint `wanted` names (a TCP port 0 matches any port of that host). */
export function sameEndpoint(inherited: Endpoint, wanted: Endpoint): boolean {
  if (inherited.kind === 'unix' && wanted.kind === 'unix') return path.resolve(inherited.path) === path.resolve(wanted.path);
  if (inherited.kind === 'abstract' && wanted.kind === 'abstract') return inherited.name === wanted.name;
  if (inherited.kind === 'tcp' && wanted.kind === 'tcp') {
    const host = (h: string): string => (h === 'localhost' ? '127.0.0.1' : h.replace(/^\[|\]$/g, ''));
    return host(inherited.host) === host(wanted.host) && (wanted.port === 0 || inherited.port === wanted.port);
  }
  return false;
}

/**
 * Which inherited socket a server adopts: the one at `wanted` when the endpoint was asked for
 * (explicitly or by the environment), else the one named like the service, else the first.
 * @throws EndpointError ERR_SOCKET_ACTIVATION when `wanted` matches none of them
 */
export function chooseInherited(sockets: readonly InheritedSocket[], wanted: Endpoint | undefined, serviceName: string): InheritedSocket {
  if (wanted !== undefined) {
    const known = sockets.filter((s) => s.endpoint !== undefined);
    const match = known.find((s) => sameEndpoint(s.endpoint as Endpoint, wanted));
    if (match !== undefined) return match;
    if (known.length > 0) {
      const inherited = known.map((s) => formatEndpoint(s.endpoint as Endpoint));
      throw activationError(`the endpoint ${formatEndpoint(wanted)} is not the socket systemd handed over (${inherited.join(', ')})`, { inherited, expected: formatEndpoint(wanted) }, [
        'make ListenStream= in the .socket unit and the endpoint option (or <APP>_ENDPOINT) the same',
        'or leave the endpoint unset: a socket-activated server uses the socket it is given',
      ]);
    }
  }
  return sockets.find((s) => s.name === serviceName) ?? (sockets[0] as InheritedSocket);
}

/**
 * Listens on an inherited socket. Its `removeFiles` removes nothing: the socket file belongs to
 * the service manager, which keeps it (and queues connections) across daemon restarts.
 */
export async function adoptInherited(socket: InheritedSocket, fallback: Endpoint): Promise<BoundServer> {
  const server = net.createServer();
  await listenServer(server, { fd: socket.fd } as net.ListenOptions); // a handle object: Node listens on the descriptor
  let endpoint = socket.endpoint ?? fallback;
  if (endpoint.kind === 'tcp' && socket.endpoint === undefined) {
    const address = server.address();
    if (address !== null && typeof address === 'object') endpoint = { kind: 'tcp', host: address.address, port: address.port };
  }
  return { server, endpoint, removeFiles: () => undefined };
}
