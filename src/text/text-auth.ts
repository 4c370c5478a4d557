/**
 * The token check of text mode (docs/protocol.md §5): on an endpoint that requires a token, the line
 * must be `AUTH <token> WORD [args]`. Tokens are compared in constant time and never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ParsedTextLine } from './text-line.js';

/** The reply reason when the token is missing or wrong. */
export const UNAUTHORIZED = 'unauthorized';

/**
 * True when `given` equals `expected`, in time independent of where they differ. Both are hashed
 * (SHA-256) first so `timingSafeEqual` always compares equal-length buffers and the length of the
 * expected token does not leak either.
 */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/**
 * Applies the AUTH rule to a parsed line and returns the command to run, or `{ error }`.
 * - With a token: the line must be `AUTH <token> WORD [args]`; a missing or wrong token gives
 *   `unauthorized`; the right token with no WORD gives `missing command after AUTH <token>`
 *   (literally `<token>`: the token itself is never echoed).
 * - Without a token: a leading `AUTH <anything>` is accepted and dropped, so scripts written for a
 *   TCP endpoint (which needs the token) also work against a unix socket that does not.
 */
export function applyTextAuth(line: ParsedTextLine, token: string | undefined): ParsedTextLine | { error: string } {
  if (line.word !== 'AUTH') return token === undefined ? line : { error: UNAUTHORIZED };
  const [given, word, ...args] = line.args;
  if (token !== undefined && (given === undefined || !tokenMatches(given, token))) return { error: UNAUTHORIZED };
  if (word === undefined) return { error: 'missing command after AUTH <token>' };
  return { word: word.toUpperCase(), args };
}
