/**
 * Parsing one JSON-RPC message body, the same way in every JSON-RPC framing (NDJSON lines, LSP
 * `Content-Length` bodies; docs/protocol.md §4 "Keys and values"):
 * - text that is not JSON → a `parse` frame error (-32700, id null);
 * - a value with an object key `__proto__` anywhere → an `invalid` frame error (-32600) that
 *   keeps the request's id when the value is one request object. Binary mode refuses such a map
 *   key with the same error and the same id (msgpack-peek-id.ts), so both modes answer alike and a
 *   handler never sees a `__proto__` key (a merge into an object of its own could change that
 *   object's prototype).
 *
 * The key check costs nothing for the usual message: the value is walked only when its text
 * contains `__proto__` or a `\u` escape (which could spell it).
 */
import { frameError, type FrameError } from './frame-error.js';

/** A JSON-RPC id as the protocol allows it (what an error reply may carry). */
export type FrameMessageId = string | number | null;

export type JsonParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: FrameError };

/** The message of the `invalid` error for a `__proto__` key (the same in JSON and binary mode). */
export const PROTO_KEY_MESSAGE = 'the key "__proto__" is not allowed in a message (rename it)';

/** Parses the body `text` of `length` bytes; see the file comment for the errors. */
export function parseJsonMessage(text: string, length: number): JsonParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: frameError('parse', `message is not valid JSON: ${(err as Error).message}`, length) };
  }
  if ((text.includes('__proto__') || text.includes('\\u')) && hasProtoKey(value)) {
    return { ok: false, error: invalidValue(PROTO_KEY_MESSAGE, length, requestId(value)) };
  }
  return { ok: true, value };
}

/** An `invalid` frame error: the message decoded but holds what the protocol refuses. */
export function invalidValue(message: string, bytes: number, id: FrameMessageId): FrameError {
  return { ...frameError('invalid', message, bytes), id };
}

/** True when an object anywhere in `value` has an own key `__proto__` (iterative: any depth). */
export function hasProtoKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
    for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
  }
  return false;
}

/** The id of `value` when it is one request object with a valid id, else null. */
function requestId(value: unknown): FrameMessageId {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
