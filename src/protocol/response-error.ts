/**
 * JSON-RPC errors exchanged with a peer (docs/protocol.md §4). A handler throws a `ResponseError` to
 * answer with a specific code; a client rejects a call with one when the server answered with an
 * error object.
 */

/** The JSON-RPC error codes of docs/protocol.md §4. */
export const ErrorCodes = {
  /** Invalid JSON was received. The connection stays open. */
  ParseError: -32700,
  /** The JSON sent is not a valid request object. */
  InvalidRequest: -32600,
  /** The method does not exist. */
  MethodNotFound: -32601,
  /** Invalid method parameters (`error.data.issues` lists schema issues). */
  InvalidParams: -32602,
  /** The handler failed. No stack traces reach the peer. */
  InternalError: -32603,
  /** The endpoint requires a token and this connection has not presented the right one. */
  Unauthorized: -32001,
  /** The request was cancelled (`$/cancel`). */
  Cancelled: -32002,
  /** The request ran past the server's request timeout. */
  TimedOut: -32003,
  /** A message exceeded the maximum message size. */
  TooLarge: -32004,
  /** The server is busy (too many connections or requests) or shutting down. */
  Busy: -32005,
  /** The request was cancelled through LSP's `$/cancelRequest` (the code LSP clients expect). */
  RequestCancelled: -32800,
} as const;

export type ErrorCodeNumber = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The `error` member of a JSON-RPC response. */
export interface ResponseErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** A JSON-RPC error: thrown by handlers to choose the reply, and raised by clients on error replies. */
export class ResponseError extends Error {
  override name = 'ResponseError';
  readonly code: number;
  readonly data?: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }

  /** The wire form `{ code, message, data? }`. */
  toJSON(): ResponseErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /** Rebuilds an error from a response's `error` member (tolerating malformed peers). */
  static fromObject(error: unknown): ResponseError {
    if (typeof error === 'object' && error !== null) {
      const e = error as Record<string, unknown>;
      const code = typeof e['code'] === 'number' ? e['code'] : ErrorCodes.InternalError;
      const message = typeof e['message'] === 'string' ? e['message'] : 'error without a message';
      return new ResponseError(code, message, e['data']);
    }
    return new ResponseError(ErrorCodes.InternalError, 'malformed error object in response');
  }
}
