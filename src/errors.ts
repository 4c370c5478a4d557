/**
 * Errors raised by sidewire itself (not JSON-RPC errors from a peer: those are `ResponseError`).
 *
 * Every error has a stable `code` (documented in docs/errors.md), a message that says what failed
 * and why, and numbered `fixes` that say how to fix it. Errors that wrap a system error keep it
 * as `cause`.
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
  | 'ERR_DEPENDENCY_MISSING';

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
