/**
 * Makes log fields safe to print: secrets hidden, errors without stacks, no cycles, JSON-safe.
 */

/** What replaces the value of a secret-looking key. */
export const REDACTED = '[redacted]';

/** Keys whose values are never printed (matched anywhere in the key, case-insensitively). */
const SECRET_KEY = /token|password|passwd|secret|authorization|cookie|api[-_]?key/i;

const MAX_DEPTH = 8;

/** True when a field named `key` must not be printed: token, password, secret, authorization… */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** An error as a plain object: name, message and `code` if any; never the stack. */
export function errorFields(err: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') fields['code'] = code;
  return fields;
}

function copy(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return '[function]';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) return copy(errorFields(value), depth, seen);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) ? REDACTED : copy(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A JSON-safe copy of `value` in which every key named like token, password, passwd, secret,
 * authorization, cookie or api key (anywhere in the key, any case) has the value `'[redacted]'`,
 * errors are `{ name, message, code }` (no stack), cycles are `'[circular]'` and nesting deeper
 * than 8 levels is `'[truncated]'`.
 */
export function redact(value: unknown): unknown {
  return copy(value, 0, new WeakSet());
}
