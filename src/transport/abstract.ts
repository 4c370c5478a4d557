/**
 * Listening on a Linux abstract socket (`unix:@name`): no file, so nothing can be stale and
 * nothing is reclaimed or removed; the kernel frees the name when the server's socket closes.
 * The name is bound with its exact length where possible (abstract-exact.ts), so programs in
 * other languages reach it.
 */
import * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { toNetAddress } from '../endpoint/parse.js';
import { systemCode } from '../errors.js';
import { listenAbstractFd } from './abstract-exact.js';
import { listenServer } from './bind.js';
import type { BoundServer } from './bind.js';
import { findOwnerPid } from './discovery.js';
import { mapListenError } from './listen-errors.js';

export type AbstractEndpoint = Extract<Endpoint, { kind: 'abstract' }>;

export interface AbstractListenContext {
  /** Where discovery files live (to name the pid of a live owner). */
  readonly runtimeDir: string;
  /** Service name (its discovery file is checked first). */
  readonly name: string;
  /** Environment variable named in fixes. */
  readonly envVar: string | undefined;
}

/**
 * Binds the abstract name; a name already bound gives ERR_ENDPOINT_IN_USE.
 * @throws EndpointError
 */
export async function listenAbstract(endpoint: AbstractEndpoint, ctx: AbstractListenContext): Promise<BoundServer> {
  const server = net.createServer();
  try {
    // Once given to listen({ fd }), the descriptor is the server's: Node closes it with the server,
    // or when listen() on it fails; it is not closed here (its number may already be reused).
    // Node leaves it open only when it cannot treat it as a pipe, which a unix socket always is.
    const fd = listenAbstractFd(endpoint.name);
    await listenServer(server, fd === undefined ? { ...(toNetAddress(endpoint) as { path: string }), exclusive: true } : { fd });
  } catch (err) {
    const ownerPid = systemCode(err) === 'EADDRINUSE' ? findOwnerPid(ctx.runtimeDir, ctx.name, endpoint) : undefined;
    throw mapListenError(err, endpoint, { operation: 'bind', envVar: ctx.envVar, ...(ownerPid === undefined ? {} : { ownerPid }) });
  }
  return { server, endpoint, removeFiles: () => undefined };
}
