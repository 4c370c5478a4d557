/** The coded errors a `Client` raises itself (the rest come from the session and the transport). */
import { ConnectionError, SidewireError, TimeoutError } from '../errors.js';
import { reasonOf, type ClientStatus } from './client-status.js';

export function closedError(method: string): ConnectionError {
  return new ConnectionError('ERR_CONNECTION_CLOSED', `cannot call '${method}': the client was closed`, {
    fixes: ['connect again with connect(); a closed client cannot be reused'],
  });
}

export function lostDuringHandshake(endpoint: string): ConnectionError {
  return new ConnectionError('ERR_CONNECTION_LOST', `the connection to ${endpoint} closed right after the handshake`, {
    fixes: ['check the server (`sidewire doctor`), then connect again'],
  });
}

export function connectionLostError(endpoint: string, cause: Error | undefined): ConnectionError {
  return new ConnectionError('ERR_CONNECTION_LOST', `the connection to ${endpoint} was lost`, {
    fixes: ['check that the server is running (`sidewire doctor`); the client reconnects on its own when reconnect is on'],
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The client gave up after `attempts` reconnect attempts; `err` is the last error. */
export function clientFailedError(endpoint: string, attempts: number, err: unknown): ConnectionError {
  const after = attempts > 0 ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return new ConnectionError('ERR_CLIENT_FAILED', `gave up connecting to ${endpoint || 'the server'}${after}: ${reasonOf(err).message}`, {
    cause: err,
    fixes: ['start the server (e.g. `sidewire serve`) and create a new client', 'or allow more attempts: reconnect: { maxAttempts: Infinity }'],
    details: { attempts, lastError: reasonOf(err) },
  });
}

/** A queued call whose own timeout ran out before it could be sent. */
export function notSentTimeout(method: string, timeoutMs: number): TimeoutError {
  return new TimeoutError('ERR_TIMEOUT', `call '${method}' timed out after ${timeoutMs} ms before it could be sent`, {
    fixes: ['the client was reconnecting: check the server (`sidewire doctor`)', `raise this call's timeoutMs (now ${timeoutMs})`],
    details: { method, timeoutMs },
  });
}

export function badDurableMethod(method: unknown): SidewireError {
  return new SidewireError('ERR_INVALID_ARGUMENT', `cannot send durable notification ${JSON.stringify(method)}: the method must be a non-empty name not starting with $/`, {
    fixes: ['use a method name such as "hook.event"'],
  });
}

/** Why a call cannot even wait in the queue in this status, or undefined. */
export function blockedError(status: ClientStatus, method: string, endpoint: string): SidewireError | undefined {
  switch (status.state) {
    case 'closed':
      if (status.reason === 'closed') return closedError(method);
      return new ConnectionError('ERR_CONNECTION_LOST', `cannot call '${method}': the connection to ${endpoint} was lost`, {
        fixes: ['check that the server is running (`sidewire doctor`), then connect again'],
      });
    case 'failed':
      return new ConnectionError('ERR_CLIENT_FAILED', `cannot call '${method}': the client gave up connecting (${status.reason.code}: ${status.reason.message})`, {
        fixes: ['start the server and create a new client'],
        details: { lastError: status.reason },
      });
    case 'idle':
      return new ConnectionError('ERR_CONNECTION_CLOSED', `cannot call '${method}': the client is idle`, {
        fixes: ['await connect() before calling, or use createClient()'],
      });
    default:
      return undefined;
  }
}
