/**
 * A durable notification (docs/reconnect.md): a JSON-RPC notification with a unique id, stored
 * one JSON line each in a producer's spool file and sent to the server with `$/durable`, which
 * de-duplicates by id.
 */
import { encodeFailed } from '../errors.js';

/** One durable notification. */
export interface DurableMessage {
  /** Unique: `<producer token>.<sequence>`, e.g. `3f9a0c12d4e5.7`. */
  readonly id: string;
  /** The notification method, e.g. `hook.event` (never a reserved `$/` method). */
  readonly method: string;
  /** The notification params (any JSON value; absent = none). */
  readonly params?: unknown;
  /** When it was spooled (epoch ms); informational. */
  readonly at?: number;
}

/** Longest accepted id, in characters. */
export const MAX_DURABLE_ID_LENGTH = 128;

/** Why `value` is not a valid durable message, or undefined when it is. */
export function durableProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a durable message must be an object { id, method, params }';
  const m = value as Record<string, unknown>;
  if (typeof m['id'] !== 'string' || m['id'] === '' || m['id'].length > MAX_DURABLE_ID_LENGTH) {
    return `"id" must be a non-empty string of at most ${MAX_DURABLE_ID_LENGTH} characters`;
  }
  if (typeof m['method'] !== 'string' || m['method'] === '') return '"method" must be a non-empty string';
  if (m['method'].startsWith('$/')) return `"method" must not be a reserved $/ method (got ${m['method']})`;
  return undefined;
}

/** The message as a spool line (JSON + `\n`). @throws SidewireError ERR_ENCODE when params cannot be encoded */
export function toSpoolLine(message: DurableMessage): string {
  try {
    return JSON.stringify(message) + '\n';
  } catch (err) {
    throw encodeFailed(`the params of durable notification '${message.method}'`, err);
  }
}

/** Parses one spool line; undefined for a torn or foreign line (skipped). */
export function parseSpoolLine(line: string): DurableMessage | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (durableProblem(value) !== undefined) return undefined;
  const m = value as Record<string, unknown>;
  return {
    id: m['id'] as string,
    method: m['method'] as string,
    ...('params' in m ? { params: m['params'] } : {}),
    ...(typeof m['at'] === 'number' ? { at: m['at'] } : {}),
  };
}

/** Every valid message in a spool file's text, in order (torn or invalid lines are skipped). */
export function parseSpoolText(text: string): DurableMessage[] {
  const out: DurableMessage[] = [];
  for (const line of text.split('\n')) {
    const m = parseSpoolLine(line);
    if (m !== undefined) out.push(m);
  }
  return out;
}
