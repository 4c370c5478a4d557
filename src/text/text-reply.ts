/**
 * Formatting of the one reply line of a text session (docs/protocol.md §5): `OK`, `ERR: <message>`, or a
 * single-line JSON value. The returned string never contains a line break; the session adds `\n`.
 */
import { ResponseError } from '../protocol/response-error.js';
import { SidewireError } from '../errors.js';

/** One reply line, without its `\n`. */
export type TextReply = string;

/** Longest error message put in an `ERR:` reply (longer ones are cut, ending in `…`). */
const MAX_ERROR_MESSAGE = 1000;

/**
 * Makes `text` one line: every run of `\r`/`\n` becomes one space, other control characters
 * (tab excepted) are removed, trailing whitespace is trimmed.
 */
export function singleLine(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .trimEnd();
}

/**
 * The reply for a failure: `ERR: <message>`. SidewireError and ResponseError (and any Error) give
 * their message only — never a stack; other thrown values give `command failed`.
 */
export function formatTextError(err: unknown): TextReply {
  let message = 'command failed';
  if (err instanceof SidewireError || err instanceof ResponseError || err instanceof Error) {
    message = err.message;
  } else if (typeof err === 'string' && err !== '') {
    message = err;
  }
  let line = singleLine(message);
  if (line === '') line = 'command failed';
  if (line.length > MAX_ERROR_MESSAGE) line = `${line.slice(0, MAX_ERROR_MESSAGE)}…`;
  return `ERR: ${line}`;
}

/**
 * The reply line for a command's result:
 * - a string passes through (`OK`, `PONG`, `ERR: ...`, any text), made single-line;
 * - `undefined` (a command that returns nothing) → `OK`;
 * - an Error → `ERR: <message>` (see {@link formatTextError});
 * - anything else → single-line JSON (`JSON.stringify` escapes line breaks inside strings);
 *   values JSON cannot encode (BigInt, cycles) → `ERR: reply could not be encoded as JSON`.
 */
export function formatTextReply(value: unknown): TextReply {
  if (typeof value === 'string') return singleLine(value);
  if (value === undefined) return 'OK';
  if (value instanceof Error) return formatTextError(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return 'ERR: reply could not be encoded as JSON';
  }
  // JSON.stringify returns undefined for functions and symbols: nothing to show, like a void result.
  return json === undefined ? 'OK' : json;
}
