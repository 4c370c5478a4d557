/**
 * Listening on TCP: loopback only unless explicitly allowed, port 0 picks a free port, and a busy
 * fixed port either fails (ERR_ENDPOINT_IN_USE) or, with `portFallback`, moves to the next ports.
 * The real port is in the returned endpoint (and so in the discovery file).
 */
import * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint, isLoopbackHost } from '../endpoint/parse.js';
import { EndpointError, systemCode, createError } from '../errors.js';
import { listenServer } from './bind.js';
import type { BoundServer } from './bind.js';
import { mapListenError } from './listen-errors.js';

export type TcpEndpoint = Extract<Endpoint, { kind: 'tcp' }>;

/** Ports tried after a busy one when `portFallback` is `true`. */
export const DEFAULT_PORT_FALLBACK = 20;

export interface TcpListenContext {
  /** Allow a non-loopback host (warns through `onWarning`). */
  readonly allowRemote: boolean;
  /** `true` = DEFAULT_PORT_FALLBACK extra ports, a number = that many, false/0 = none. */
  readonly portFallback: boolean | number;
  /** Receives human-readable warnings. */
  readonly onWarning: ((message: string) => void) | undefined;
  /** Environment variable named in fixes. */
  readonly envVar: string | undefined;
}

function remoteError(endpoint: TcpEndpoint, envVar: string | undefined): EndpointError {
  return createError(
    'ERR_ENDPOINT_REMOTE',
    `refusing to listen on ${formatEndpoint(endpoint)}: ${endpoint.host} is not a loopback address, so other machines could connect`,
    {
      details: { endpoint: formatEndpoint(endpoint), host: endpoint.host },
      fixes: [
        `listen on loopback: set ${envVar ?? '<APP>_ENDPOINT'}=tcp://127.0.0.1:${endpoint.port}`,
        'or, if remote access is really intended, pass allowRemote: true (clients then need the token; a warning is logged)',
      ],
    },
  );
}

function fallbackCount(portFallback: boolean | number): number {
  if (portFallback === true) return DEFAULT_PORT_FALLBACK;
  if (typeof portFallback === 'number' && Number.isFinite(portFallback)) return Math.max(0, Math.floor(portFallback));
  return 0;
}

/**
 * Listens on TCP.
 * @throws EndpointError ERR_ENDPOINT_REMOTE, ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_PERMISSION, ERR_ENDPOINT_LISTEN
 */
export async function listenTcp(endpoint: TcpEndpoint, ctx: TcpListenContext): Promise<BoundServer> {
  if (!isLoopbackHost(endpoint.host)) {
    if (!ctx.allowRemote) throw remoteError(endpoint, ctx.envVar);
    ctx.onWarning?.(
      `sidewire: listening on ${formatEndpoint(endpoint)}, which is reachable from other machines (allowRemote is on); clients must present the token`,
    );
  }
  const extra = endpoint.port === 0 ? 0 : Math.min(fallbackCount(ctx.portFallback), 65535 - endpoint.port);
  for (let i = 0; ; i++) {
    const port = endpoint.port + i;
    const server = net.createServer();
    try {
      await listenServer(server, { host: endpoint.host, port, exclusive: true });
    } catch (err) {
      if (systemCode(err) === 'EADDRINUSE' && i < extra) continue;
      throw mapListenError(err, { ...endpoint, port }, { operation: 'bind', envVar: ctx.envVar });
    }
    const address = server.address();
    const actual = typeof address === 'object' && address !== null ? address.port : port;
    if (i > 0) ctx.onWarning?.(`sidewire: port ${endpoint.port} was busy, listening on port ${actual} instead (portFallback)`);
    return { server, endpoint: { kind: 'tcp', host: endpoint.host, port: actual }, removeFiles: () => undefined };
  }
}
