/**
 * Errors raised by sidewire itself (not JSON-RPC errors from a peer: those are `ResponseError`).
 *
 * Every error has a stable `code` (documented in docs/errors.md), a message that says what failed
 * and why, and numbered `fixes` that say how to fix it. Errors that wrap a system error keep it
 * as `cause`.
 *
 * One code, one class: `ERROR_CLASSES` maps every code to the class it is raised as, and the
 * library builds its errors only through `createError` (or the factories below, which call it),
 * so a code is never thrown as two classes (test/architecture/error-table.test.ts checks both).
 */

/** Every stable error code sidewire raises. Documented in docs/errors.md. */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_ENDPOINT_FORMAT'
  | 'ERR_ENDPOINT_PLATFORM'
  | 'ERR_ENDPOINT_PATH_TOO_LONG'
  | 'ERR_ENDPOINT_IN_USE'
  | 'ERR_ENDPOINT_NOT_SOCKET'
  | 'ERR_ENDPOINT_REMOTE'
  | 'ERR_ENDPOINT_PERMISSION'
  | 'ERR_ENDPOINT_LISTEN'
  | 'ERR_RUNTIME_DIR_UNSAFE'
  | 'ERR_RUNTIME_DIR_CREATE'
  | 'ERR_DISCOVERY_WRITE'
  | 'ERR_NOT_RUNNING'
  | 'ERR_CONNECT'
  | 'ERR_CONNECTION_LOST'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_HANDSHAKE'
  | 'ERR_TIMEOUT'
  | 'ERR_QUEUE_FULL'
  | 'ERR_CLIENT_FAILED'
  | 'ERR_SPOOL'
  | 'ERR_CONFIG'
  | 'ERR_SERVER_CLOSED'
  | 'ERR_DAEMON_STATE'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_FILE_UNSAFE'
  | 'ERR_DEPENDENCY_MISSING'
  | 'ERR_ENCODE'
  | 'ERR_UNEXPECTED'
  | 'ERR_ACCESS_POLICY'
  | 'ERR_SPAWN'
  | 'ERR_SOCKET_ACTIVATION';

export interface SidewireErrorOptions {
  /** Numbered "how to fix" suggestions, most useful first. */
  fixes?: readonly string[];
  /** The underlying system error, if this one wraps it. */
  cause?: unknown;
  /** Machine-readable facts (path, pid, limit...) for tools such as `sidewire doctor --json`. */
  details?: Record<string, unknown>;
}

/** Base class of every error sidewire raises. */
export class SidewireError extends Error {
  override name = 'SidewireError';
  readonly code: ErrorCode;
  readonly fixes: readonly string[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: SidewireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fixes = options.fixes ?? [];
    this.details = options.details ?? {};
  }

  /** The message followed by the numbered fixes, as the CLI prints it. */
  describe(): string {
    const lines = [`${this.code}: ${this.message}`];
    if (this.fixes.length > 0) {
      lines.push('How to fix:');
      this.fixes.forEach((fix, i) => lines.push(`  ${i + 1}. ${fix}`));
    }
    return lines.join('\n');
  }

  toJSON(): { code: ErrorCode; message: string; fixes: readonly string[]; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, fixes: this.fixes, details: this.details };
  }
}

/** Bad endpoint string, unsafe runtime dir, or a listen/bind problem. */
export class EndpointError extends SidewireError {
  override name = 'EndpointError';
}

/** Connecting, or a connection that failed or closed under a pending operation. */
export class ConnectionError extends SidewireError {
  override name = 'ConnectionError';
}

/** An operation that did not finish within its deadline. */
export class TimeoutError extends SidewireError {
  override name = 'TimeoutError';
}

/** An error of the daemon kit: a state change that is not allowed, or bad configuration. */
export class DaemonError extends SidewireError {
  override name = 'DaemonError';
}

/** The class each code is raised as (docs/errors.md). */
export const ERROR_CLASSES = {
  ERR_INVALID_ARGUMENT: SidewireError,
  ERR_ENDPOINT_FORMAT: EndpointError,
  ERR_ENDPOINT_PLATFORM: EndpointError,
  ERR_ENDPOINT_PATH_TOO_LONG: EndpointError,
  ERR_ENDPOINT_IN_USE: EndpointError,
  ERR_ENDPOINT_NOT_SOCKET: EndpointError,
  ERR_ENDPOINT_REMOTE: EndpointError,
  ERR_ENDPOINT_PERMISSION: EndpointError,
  ERR_ENDPOINT_LISTEN: EndpointError,
  ERR_RUNTIME_DIR_UNSAFE: EndpointError,
  ERR_RUNTIME_DIR_CREATE: EndpointError,
  ERR_DISCOVERY_WRITE: EndpointError,
  ERR_NOT_RUNNING: ConnectionError,
  ERR_CONNECT: ConnectionError,
  ERR_CONNECTION_LOST: ConnectionError,
  ERR_CONNECTION_CLOSED: ConnectionError,
  ERR_HANDSHAKE: ConnectionError,
  ERR_TIMEOUT: TimeoutError,
  ERR_QUEUE_FULL: ConnectionError,
  ERR_CLIENT_FAILED: ConnectionError,
  ERR_SPOOL: SidewireError,
  ERR_CONFIG: DaemonError,
  ERR_SERVER_CLOSED: SidewireError,
  ERR_DAEMON_STATE: DaemonError,
  ERR_MESSAGE_TOO_LARGE: SidewireError,
  ERR_FILE_UNSAFE: SidewireError,
  ERR_DEPENDENCY_MISSING: SidewireError,
  ERR_ENCODE: SidewireError,
  ERR_UNEXPECTED: SidewireError,
  ERR_ACCESS_POLICY: EndpointError,
  ERR_SPAWN: ConnectionError,
  ERR_SOCKET_ACTIVATION: EndpointError,
} as const satisfies Record<ErrorCode, typeof SidewireError>;

/** The class `code` is raised as. */
export type ErrorOf<C extends ErrorCode> = InstanceType<(typeof ERROR_CLASSES)[C]>;

/** The error for `code`, of the class the table gives it: the one way the library builds errors. */
export function createError<C extends ErrorCode>(code: C, message: string, options: SidewireErrorOptions = {}): ErrorOf<C> {
  const Class: typeof SidewireError = ERROR_CLASSES[code];
  return new Class(code, message, options) as ErrorOf<C>;
}

/** What a lost connection interrupted, for `connectionLost`. */
export interface ConnectionLostFacts {
  /** The endpoint the connection went to. */
  endpoint: string;
  /** What did not complete, e.g. `'sum'` or `the handshake`; omitted when nothing was under way. */
  during?: string;
  /** Why, when known (e.g. what the server said before it closed). */
  why?: string;
  /** True when the client reconnects by itself. */
  reconnects?: boolean;
  /** Fixes specific to the caller, in place of the generic second one. */
  fixes?: readonly string[];
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** `ERR_CONNECTION_LOST`: the peer closed or the socket failed under a connection in use. */
export function connectionLost(facts: ConnectionLostFacts): ConnectionError {
  const during = facts.during === undefined ? '' : ` before ${facts.during} completed`;
  const why = facts.why === undefined ? '' : ` (${facts.why})`;
  const next = facts.fixes ?? [facts.reconnects === true
    ? 'the client reconnects by itself; calls made meanwhile wait in its queue'
    : 'once it is up, connect again (pending calls are not replayed)'];
  return createError('ERR_CONNECTION_LOST', `the connection to ${facts.endpoint} was lost${during}${why}`, {
    fixes: ['check that the server is still running: `sidewire doctor`', ...next],
    details: { endpoint: facts.endpoint, ...facts.details },
    ...(facts.cause === undefined ? {} : { cause: facts.cause }),
  });
}

/**
 * `ERR_ENCODE`: `what` (a message, the params of a call…) cannot be encoded for the wire. `why`
 * is the encoder's error (kept as `cause`) or a sentence.
 */
export function encodeFailed(what: string, why: unknown): SidewireError {
  return createError('ERR_ENCODE', `cannot encode ${what}: ${why instanceof Error ? why.message : String(why)}`, {
    ...(why instanceof Error ? { cause: why } : {}),
    fixes: ['send only JSON values (objects, arrays, strings, numbers, booleans, null; Buffers in binary mode): no BigInt, function, symbol, undefined at the top, or cycle'],
  });
}

/** `ERR_UNEXPECTED`: `err`, which is not a sidewire error (a bug or an unforeseen system error). */
export function unexpectedError(err: unknown): SidewireError {
  if (err instanceof SidewireError) return err;
  return createError('ERR_UNEXPECTED', err instanceof Error ? err.message : String(err), {
    cause: err,
    fixes: ['this is not a known sidewire error: if it persists, report it with the message and stack'],
  });
}

/** True when `err` is a sidewire error, optionally with the given code. */
export function isSidewireError(err: unknown, code?: ErrorCode): err is SidewireError {
  return err instanceof SidewireError && (code === undefined || err.code === code);
}

/** The errno-style `code` of a Node.js system error, or undefined. */
export function systemCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
