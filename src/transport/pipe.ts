/**
 * Listening on a Windows named pipe (`pipe://name` → `\\.\pipe\name`).
 *
 * The first instance of a pipe name wins: a second server gets EADDRINUSE, mapped to
 * ERR_ENDPOINT_IN_USE. There is nothing to reclaim: a pipe vanishes with its server.
 *
 * Security caveat (for docs/windows.md): Node/libuv create the pipe with the default security
 * descriptor (no explicit ACL). Its default DACL gives the creator, SYSTEM and Administrators full
 * control and grants Everyone (and the anonymous logon) read access. Clients open pipes for
 * read+write, so another ordinary user usually cannot complete a duplex connection — but this
 * depends on system policy and on the server's account, and sidewire cannot tighten the ACL from
 * Node. So: do not treat a pipe name as a secret or as access control. The default stays
 * `requireToken: false` (same-user tools, like unix sockets); a server that must keep other local
 * users out should set `requireToken: true`, so clients need the token from the discovery file,
 * which lives in the user's private runtime dir.
 */
import * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { toNetAddress } from '../endpoint/parse.js';
import { systemCode } from '../errors.js';
import { listenServer } from './bind.js';
import type { BoundServer } from './bind.js';
import { findOwnerPid } from './discovery.js';
import { mapListenError } from './listen-errors.js';

export type PipeEndpoint = Extract<Endpoint, { kind: 'pipe' }>;

export interface PipeListenContext {
  /** Where discovery files live (to name the pid of a live owner). */
  readonly runtimeDir: string;
  /** Service name (its discovery file is checked first). */
  readonly name: string;
  /** Environment variable named in fixes. */
  readonly envVar: string | undefined;
}

/**
 * Creates the named pipe server.
 * @throws EndpointError ERR_ENDPOINT_IN_USE (first instance wins), ERR_ENDPOINT_PERMISSION, ...
 */
export async function listenPipe(endpoint: PipeEndpoint, ctx: PipeListenContext): Promise<BoundServer> {
  const server = net.createServer();
  try {
    await listenServer(server, { ...(toNetAddress(endpoint) as { path: string }), exclusive: true });
  } catch (err) {
    const ownerPid = systemCode(err) === 'EADDRINUSE' ? findOwnerPid(ctx.runtimeDir, ctx.name, endpoint) : undefined;
    throw mapListenError(err, endpoint, { operation: 'create pipe', envVar: ctx.envVar, ...(ownerPid === undefined ? {} : { ownerPid }) });
  }
  return { server, endpoint, removeFiles: () => undefined };
}
