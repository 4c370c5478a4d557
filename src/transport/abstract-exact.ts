/**
 * Linux abstract socket names of their exact length (docs/protocol.md, "Endpoints"). The kernel
 * takes an abstract name as all the address bytes after the leading NUL, so `\0app` bound with
 * a 4-byte name and `\0app` padded with NULs to the 108 bytes of sun_path are two different
 * sockets. Node.js (libuv) pads; Python, socat, Rust, Go, Bun and C programs do not. So sidewire
 * makes the socket itself with the exact length: the native helper (native/abstract.c) creates,
 * binds or connects the descriptor and Node adopts it. Bun's own sockets already use the exact
 * length, so under Bun nothing is needed. Without the helper under Node, Node's padded names
 * are the fallback: sidewire's own processes still reach each other, other programs do not, and
 * `sidewire doctor` says so.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as util from 'node:util';
import { missingFunction, nativeBinding, NATIVE_REBUILD } from './native-binding.js';

interface AbstractNative {
  /** A listening, non-blocking, close-on-exec socket bound to exactly `\0name`; -errno on failure. */
  abstractListen(name: string, backlog: number): number;
  /** A non-blocking, close-on-exec socket connected to exactly `\0name`; -errno on failure. */
  abstractConnect(name: string): number;
}

const FUNCTIONS: readonly (keyof AbstractNative)[] = ['abstractListen', 'abstractConnect'];

/** Backlog of an abstract listener (Node's own default for `listen()`). */
export const ABSTRACT_BACKLOG = 511;

/** How abstract names are bound and connected here (what `sidewire doctor` shows). */
export interface AbstractNameStatus {
  /**
   * `exact`: names have their own length, so any program reaches them (`native`: the helper does
   * it; `runtime`: the runtime's sockets do, as Bun's); `padded`: Node pads them to 108 bytes,
   * so only Node.js processes reach them (`reason` says why the helper is not used).
   */
  readonly names: 'exact' | 'padded';
  readonly by: 'native' | 'runtime' | null;
  readonly reason: string | null;
}

let helper: AbstractNative | null | undefined;
let status: AbstractNameStatus | undefined;

function load(): AbstractNative | null {
  if (helper !== undefined) return helper;
  helper = null;
  if (process.versions['bun'] !== undefined) {
    status = { names: 'exact', by: 'runtime', reason: null }; // Bun's sockets take the exact length; it does not adopt an unnamed fd as a client
    return helper;
  }
  const binding = nativeBinding();
  const missing = binding.ok ? missingFunction(binding.exports, FUNCTIONS) : undefined;
  if (binding.ok && missing === undefined) {
    helper = binding.exports as unknown as AbstractNative;
    status = { names: 'exact', by: 'native', reason: null };
  } else {
    const reason = binding.ok ? `the native helper is out of date (${binding.path} has no ${missing}); ${NATIVE_REBUILD}` : binding.reason;
    status = { names: 'padded', by: null, reason };
  }
  return helper;
}

/** Whether abstract names are exact here, and if not why (see AbstractNameStatus). */
export function abstractNameStatus(): AbstractNameStatus {
  load();
  return status!;
}

/** A system error like Node's own (`code`, `errno`, `syscall`, `address`) from the helper's -errno. */
function systemError(negErrno: number, syscall: 'listen' | 'connect', name: string): NodeJS.ErrnoException {
  const code = util.getSystemErrorName(negErrno);
  const err: NodeJS.ErrnoException = new Error(`${syscall} ${code} @${name}`);
  err.code = code;
  err.errno = negErrno;
  err.syscall = syscall;
  return Object.assign(err, { address: `@${name}` });
}

/**
 * The descriptor of a socket listening on exactly `\0name`, for `server.listen({ fd })`; undefined
 * when this process binds abstract names through `net` (Bun, or Node without the helper).
 * @throws Error with Node's system error fields (`code` EADDRINUSE, …) when the bind fails
 */
export function listenAbstractFd(name: string): number | undefined {
  const native = load();
  if (native === null) return undefined;
  const fd = native.abstractListen(name, ABSTRACT_BACKLOG);
  if (fd < 0) throw systemError(fd, 'listen', name);
  return fd;
}

/**
 * A socket connected to exactly `\0name` (already connected: no 'connect' event comes); undefined
 * when this process connects through `net.connect` (Bun, or Node without the helper).
 * @throws Error with Node's system error fields (`code` ECONNREFUSED, EAGAIN, …) when it fails
 */
export function connectAbstractSocket(name: string): net.Socket | undefined {
  const native = load();
  if (native === null) return undefined;
  const fd = native.abstractConnect(name);
  if (fd < 0) throw systemError(fd, 'connect', name);
  try {
    return new net.Socket({ fd, readable: true, writable: true });
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}
