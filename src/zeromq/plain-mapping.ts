/**
 * Plain JSON requests (docs/zeromq.md "Plain JSON peers"): peers written before sidewire, like a
 * Python sidecar answering `{"type": "decide", "payload": {...}}`, send an object whose type field
 * names what they want. The mapping turns it into a method call (type → method, payload →
 * params) and the method's outcome back into the reply the peer expects. Options are checked once
 * (`resolvePlainMapping`).
 */
import { createError } from '../errors.js';
import type { ResponseErrorObject } from '../protocol/response-error.js';

/** The outcome of one plain request, for `PlainMapping.reply`. */
export interface PlainOutcome {
  /** The request's type. */
  readonly type: string;
  /** The method it ran, or undefined when no method is mapped to the type. */
  readonly method: string | undefined;
  /** The method's result (absent on error). */
  readonly result?: unknown;
  /** The error, as JSON-RPC would carry it (absent on success). */
  readonly error?: ResponseErrorObject;
}

export interface PlainMapping {
  /**
   * The field that names the request type.
   * @default 'type'
   */
  readonly typeField?: string;
  /**
   * The field that carries the params (the reply's result goes in the same field).
   * @default 'payload'
   */
  readonly payloadField?: string;
  /**
   * Which method a type calls: a table (types not in it get -32601) or a function (undefined:
   * -32601).
   * @default the type itself is the method name
   */
  readonly methods?: Readonly<Record<string, string>> | ((type: string) => string | undefined);
  /**
   * The reply sent for an outcome (any JSON value).
   * @default `{ <typeField>: type, <payloadField>: result }`, or `{ <typeField>: type, error: { code, message, data? } }`
   */
  readonly reply?: (outcome: PlainOutcome) => unknown;
}

/** A mapping with every option resolved. */
export interface ResolvedPlainMapping {
  readonly typeField: string;
  readonly payloadField: string;
  /** The method for a type, or undefined. */
  method(type: string): string | undefined;
  reply(outcome: PlainOutcome): unknown;
}

function badOption(option: string, value: unknown, expected: string): Error {
  return createError('ERR_INVALID_ARGUMENT', `plain.${option} must be ${expected}, got ${JSON.stringify(value) ?? typeof value}`, {
    fixes: [`pass ${expected}, or leave plain.${option} out for the default`],
    details: { option: `plain.${option}`, value, expected },
  });
}

function field(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value === '') throw badOption(option, value, 'a non-empty string');
  return value;
}

/**
 * Checks a mapping once. `false` turns plain requests off (they get -32600); `true` or
 * undefined gives the defaults.
 * @throws SidewireError ERR_INVALID_ARGUMENT
 */
export function resolvePlainMapping(options: PlainMapping | boolean | undefined): ResolvedPlainMapping | undefined {
  if (options === false) return undefined;
  const o: PlainMapping = options === true || options === undefined ? {} : options;
  if (typeof o !== 'object' || o === null) throw badOption('', o, 'an object, true or false');
  const known = new Set(['typeField', 'payloadField', 'methods', 'reply']);
  for (const key of Object.keys(o)) if (!known.has(key)) throw badOption(key, (o as Record<string, unknown>)[key], `one of ${[...known].join(', ')} (unknown option)`);
  const typeField = field(o.typeField, 'typeField', 'type');
  const payloadField = field(o.payloadField, 'payloadField', 'payload');
  const methods = o.methods;
  let method: (type: string) => string | undefined;
  if (methods === undefined) method = (type) => type;
  else if (typeof methods === 'function') method = methods;
  else if (typeof methods === 'object' && methods !== null) {
    for (const [type, name] of Object.entries(methods)) if (typeof name !== 'string' || name === '') throw badOption(`methods.${type}`, name, 'a method name');
    const table = new Map(Object.entries(methods));
    method = (type) => table.get(type);
  } else throw badOption('methods', methods, 'a table of type → method or a function');
  if (o.reply !== undefined && typeof o.reply !== 'function') throw badOption('reply', o.reply, 'a function');
  const reply =
    o.reply ??
    ((outcome: PlainOutcome): unknown =>
      outcome.error === undefined ? { [typeField]: outcome.type, [payloadField]: outcome.result ?? null } : { [typeField]: outcome.type, error: outcome.error });
  return { typeField, payloadField, method: (type) => (type.startsWith('$/') ? undefined : method(type)), reply };
}

/** The type of `value` when it is a plain request under `mapping` (an object with a string type field and no `jsonrpc`). */
export function plainType(value: unknown, mapping: ResolvedPlainMapping | undefined): string | undefined {
  if (mapping === undefined || typeof value !== 'object' || value === null || Array.isArray(value) || 'jsonrpc' in value) return undefined;
  const type = (value as Record<string, unknown>)[mapping.typeField];
  return typeof type === 'string' ? type : undefined;
}
