/** The coded errors a `Client` raises itself (the rest come from the session and the transport). */
import { connectionLost, createError, type ConnectionError, type SidewireError, type TimeoutError } from '../errors.js';
import { reasonOf, type ClientStatus } from './client-status.js';

export function closedError(method: string): ConnectionError {
  return createError('ERR_CONNECTION_CLOSED', `cannot call '${method}': the client was closed`, {
    fixes: ['connect again with connect(); a closed client cannot be reused'],
  });
}

export function lostDuringHandshake(endpoint: string): ConnectionError {
  return connectionLost({ endpoint, why: 'it closed right after the handshake' });
}

export function connectionLostError(endpoint: string, cause: Error | undefined, reconnects: boolean): ConnectionError {
  return connectionLost({ endpoint, reconnects, ...(cause === undefined ? {} : { why: cause.message, cause }) });
}

/** The client gave up after `attempts` reconnect attempts; `err` is the last error. */
export function clientFailedError(endpoint: string, attempts: number, err: unknown): ConnectionError {
  const after = attempts > 0 ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : '';
  return createError('ERR_CLIENT_FAILED', `gave up connecting to ${endpoint || 'the server'}${after}: ${reasonOf(err).message}`, {
    cause: err,
    fixes: ['start the server (e.g. `sidewire serve`) and create a new client', 'or allow more attempts: reconnect: { maxAttempts: Infinity }'],
    details: { attempts, lastError: reasonOf(err) },
  });
}

/** A queued call whose own timeout ran out before it could be sent. */
export function notSentTimeout(method: string, timeoutMs: number): TimeoutError {
  return createError('ERR_TIMEOUT', `call '${method}' timed out after ${timeoutMs} ms before it could be sent`, {
    fixes: ['the client was reconnecting: check the server (`sidewire doctor`)', `raise this call's timeoutMs (now ${timeoutMs})`],
    details: { method, timeoutMs },
  });
}

export function badDurableMethod(method: unknown): SidewireError {
  return createError('ERR_INVALID_ARGUMENT', `cannot send durable notification ${JSON.stringify(method)}: the method must be a non-empty name not starting with $/`, {
    fixes: ['use a method name such as "hook.event"'],
  });
}

/** Why a call cannot even wait in the queue in this status, or undefined. */
export function blockedError(status: ClientStatus, method: string, endpoint: string): SidewireError | undefined {
  switch (status.state) {
    case 'closed':
      if (status.reason === 'closed') return closedError(method);
      return connectionLost({ endpoint, why: `cannot call '${method}'`, details: { method } });
    case 'failed':
      return createError('ERR_CLIENT_FAILED', `cannot call '${method}': the client gave up connecting (${status.reason.code}: ${status.reason.message})`, {
        fixes: ['start the server and create a new client'],
        details: { lastError: status.reason },
      });
    case 'idle':
      return createError('ERR_CONNECTION_CLOSED', `cannot call '${method}': the client is idle`, {
        fixes: ['await connect() before calling, or use createClient()'],
      });
    default:
      return undefined;
  }
}
