/**
 * JSON-RPC 2.0 message shapes and validation (DESIGN.md §4). Validation never throws: it returns
 * a tagged result, so the connection can answer a bad message with -32600 and carry on.
 */
import type { ResponseErrorObject } from './response-error.js';

/** A request or response id. `null` is only used in replies to messages whose id is unknown. */
export type MessageId = string | number | null;

export interface RequestMessage {
  readonly jsonrpc: '2.0';
  readonly id: MessageId;
  readonly method: string;
  readonly params?: unknown;
}

export interface NotificationMessage {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: unknown;
}

export interface SuccessResponse {
  readonly jsonrpc: '2.0';
  readonly id: MessageId;
  readonly result: unknown;
}

export interface ErrorResponse {
  readonly jsonrpc: '2.0';
  readonly id: MessageId;
  readonly error: ResponseErrorObject;
}

export type ResponseMessage = SuccessResponse | ErrorResponse;

/** What one element of an incoming message (or batch) turned out to be. */
export type ParsedMessage =
  | { readonly kind: 'request'; readonly message: RequestMessage }
  | { readonly kind: 'notification'; readonly message: NotificationMessage }
  | { readonly kind: 'response'; readonly message: ResponseMessage }
  /** Not a valid JSON-RPC 2.0 message; `id` is the request's id when it could be read, else null. */
  | { readonly kind: 'invalid'; readonly id: MessageId; readonly reason: string };

function isId(value: unknown): value is MessageId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** What a decoded value is, without saying why it is invalid (no allocation: the hot path). */
export type MessageKind = ParsedMessage['kind'];

/**
 * Classifies one decoded value like `parseMessage` does, allocating nothing: for a valid message,
 * the value itself is the message of that kind. Use `parseMessage` for the reason of `invalid`.
 */
export function messageKind(value: unknown): MessageKind {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'invalid';
  const m = value as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0') return 'invalid';
  const hasId = 'id' in m;
  if (hasId && !isId(m['id'])) return 'invalid';
  if ('method' in m) {
    if (typeof m['method'] !== 'string') return 'invalid';
    const params = m['params'];
    if (params !== undefined && (typeof params !== 'object' || params === null)) return 'invalid';
    return hasId ? 'request' : 'notification';
  }
  if (hasId && ('result' in m || 'error' in m)) return 'result' in m && 'error' in m ? 'invalid' : 'response';
  return 'invalid';
}

/** Classifies one decoded JSON value (not an array: batches are split by the caller). */
export function parseMessage(value: unknown): ParsedMessage {
  const kind = messageKind(value);
  if (kind !== 'invalid') return { kind, message: value } as ParsedMessage;
  return invalidMessage(value);
}

/** Why `value` is not a valid message (see `parseMessage`). */
function invalidMessage(value: unknown): ParsedMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', id: null, reason: 'a message must be a JSON object' };
  }
  const m = value as Record<string, unknown>;
  const id = 'id' in m && isId(m['id']) ? m['id'] : null;
  if (m['jsonrpc'] !== '2.0') {
    return { kind: 'invalid', id, reason: `"jsonrpc" must be "2.0"` };
  }
  if ('id' in m && !isId(m['id'])) {
    return { kind: 'invalid', id: null, reason: '"id" must be a string, a number or null' };
  }
  if ('method' in m) {
    if (typeof m['method'] !== 'string') return { kind: 'invalid', id, reason: '"method" must be a string' };
    const params = m['params'];
    if (params !== undefined && (typeof params !== 'object' || params === null)) {
      return { kind: 'invalid', id, reason: '"params" must be an object or an array when present' };
    }
    if ('id' in m) return { kind: 'request', message: value as RequestMessage };
    return { kind: 'notification', message: value as NotificationMessage };
  }
  if ('id' in m && ('result' in m || 'error' in m)) {
    if ('result' in m && 'error' in m) return { kind: 'invalid', id, reason: 'a response has either "result" or "error"' };
    return { kind: 'response', message: value as ResponseMessage };
  }
  return { kind: 'invalid', id, reason: 'a message needs a "method" (request/notification) or "result"/"error" (response)' };
}

/** A success response. */
export function resultMessage(id: MessageId, result: unknown): SuccessResponse {
  return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
}

/** An error response. */
export function errorMessage(id: MessageId, error: ResponseErrorObject): ErrorResponse {
  return { jsonrpc: '2.0', id, error };
}

/** A request (params omitted when undefined). */
export function requestMessage(id: string | number, method: string, params?: unknown): RequestMessage {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** A notification (params omitted when undefined). */
export function notificationMessage(method: string, params?: unknown): NotificationMessage {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}

/** A key for an id in maps: numbers (and null) as they are, strings prefixed (keeps `1` and `"1"` apart). */
export type IdKey = string | number | null;

/** The map key of `id` (no string is made for a numeric id). */
export function idKey(id: MessageId): IdKey {
  return typeof id === 'string' ? `s:${id}` : id;
}
