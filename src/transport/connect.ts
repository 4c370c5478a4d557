/**
 * Client side of the transport: open a byte stream to an endpoint, with coded errors.
 */
import type * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { systemCode, createError } from '../errors.js';
import type { SidewireError } from '../errors.js';
import { dial } from './dial.js';
import type { ConnectOptions } from './types.js';

/** Default for `ConnectOptions.timeoutMs`. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/**
 * Maps a failed connection attempt to a coded error (always with `cause`):
 * refused / no socket file → ERR_NOT_RUNNING, EACCES/EPERM → ERR_ENDPOINT_PERMISSION,
 * timeout → ERR_TIMEOUT (TimeoutError), anything else → ERR_CONNECT.
 */
export function mapConnectError(err: unknown, endpoint: Endpoint, timedOut = false, timeoutMs?: number): SidewireError {
  const where = formatEndpoint(endpoint);
  const errno = systemCode(err);
  const details = { endpoint: where, errno };
  const checkEndpoint = 'check that the client uses the same endpoint as the server (option or <APP>_ENDPOINT; `sidewire doctor` shows both)';
  if (timedOut) {
    return createError('ERR_TIMEOUT', `connecting to ${where} timed out after ${timeoutMs ?? '?'} ms`, {
      cause: err,
      details: { ...details, timeoutMs },
      fixes: ['the server may be overloaded or stopped (SIGSTOP): check it with `sidewire status`', 'or raise the connect timeout (timeoutMs)'],
    });
  }
  switch (errno) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return createError('ERR_NOT_RUNNING', `no server at ${where} (${errno})`, {
        cause: err,
        details,
        fixes: ['start the server (e.g. `sidewire serve`), then retry', checkEndpoint],
      });
    case 'EACCES':
    case 'EPERM':
      return createError('ERR_ENDPOINT_PERMISSION', `permission denied connecting to ${where} (${errno})`, {
        cause: err,
        details,
        fixes: [
          endpoint.kind === 'unix'
            ? `the socket belongs to another user or its mode is too strict: check ls -l ${endpoint.path}`
            : 'the endpoint belongs to another user: run the client as the server\'s user',
          'or start the server with a wider socketMode (e.g. 0o660) and share a group',
        ],
      });
    case 'EAGAIN':
      return createError('ERR_CONNECT', `the server at ${where} is too busy to accept connections (EAGAIN)`, {
        cause: err,
        details,
        fixes: ['retry in a moment', 'check the server with `sidewire status`'],
      });
    default:
      return createError('ERR_CONNECT', `cannot connect to ${where}: ${errno ?? (err instanceof Error ? err.message : String(err))}`, {
        cause: err,
        details,
        fixes: [checkEndpoint, 'run `sidewire doctor` to see what is at the endpoint'],
      });
  }
}

/**
 * Opens a byte stream to `endpoint`; resolves on 'connect' (TCP with Nagle off).
 * @throws ConnectionError ERR_NOT_RUNNING, ERR_CONNECT; EndpointError ERR_ENDPOINT_PERMISSION; TimeoutError ERR_TIMEOUT
 */
export async function connectTransport(endpoint: Endpoint, options: ConnectOptions = {}): Promise<net.Socket> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const result = await dial(endpoint, timeoutMs);
  if (!result.ok) throw mapConnectError(result.error, endpoint, result.timedOut, timeoutMs);
  if (endpoint.kind === 'tcp') result.socket.setNoDelay(true);
  return result.socket;
}
