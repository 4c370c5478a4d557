/**
 * JSON-RPC 2.0 message shapes and validation (docs/protocol.md §4). Validation never throws: it returns
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
 * Why `value` is not a valid JSON-RPC 2.0 message (a constant string: nothing is allocated), or
 * undefined when it is one.
 */
function invalidReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a message must be a JSON object';
  const m = value as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0') return '"jsonrpc" must be "2.0"';
  if ('id' in m && !isId(m['id'])) return '"id" must be a string, a number or null';
  if ('method' in m) {
    if (typeof m['method'] !== 'string') return '"method" must be a string';
    const params = m['params'];
    if (params !== undefined && (typeof params !== 'object' || params === null)) return '"params" must be an object or an array when present';
    return undefined;
  }
  if (!('id' in m) || !('result' in m || 'error' in m)) return 'a message needs a "method" (request/notification) or "result"/"error" (response)';
  if ('result' in m && 'error' in m) return 'a response has either "result" or "error"';
  return undefined;
}

/**
 * Classifies one decoded value like `parseMessage` does, allocating nothing: for a valid message,
 * the value itself is the message of that kind. Use `parseMessage` for the reason of `invalid`.
 */
export function messageKind(value: unknown): MessageKind {
  if (invalidReason(value) !== undefined) return 'invalid';
  const m = value as Record<string, unknown>;
  if ('method' in m) return 'id' in m ? 'request' : 'notification';
  return 'response';
}

/** Classifies one decoded JSON value (not an array: batches are split by the caller). */
export function parseMessage(value: unknown): ParsedMessage {
  const reason = invalidReason(value);
  if (reason === undefined) return { kind: messageKind(value), message: value } as ParsedMessage;
  const m = value as Record<string, unknown>;
  const id = typeof value === 'object' && value !== null && 'id' in m && isId(m['id']) ? m['id'] : null;
  return { kind: 'invalid', id, reason };
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
