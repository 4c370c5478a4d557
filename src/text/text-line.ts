/**
 * Parsing of the one command line of a text session (docs/protocol.md §5): `WORD [args...]`, split on
 * runs of spaces/tabs, WORD case-insensitive. Pure functions, no I/O.
 */

/** The message of the reply to a line with bad bytes or control characters. */
export const INVALID_CHARACTERS = 'invalid characters in command line';

/** How many characters of an unknown WORD are echoed back. */
const MAX_ECHOED_WORD = 64;

/** C0 controls except tab, DEL and C1 controls: never allowed inside a command line. */
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A successfully parsed line: WORD upper-cased, args as given. */
export interface ParsedTextLine {
  readonly word: string;
  readonly args: string[];
}

/**
 * Decodes the raw bytes of a line (without its `\n`) as strict UTF-8. Returns `{ error }` with
 * {@link INVALID_CHARACTERS} for bytes that are not UTF-8; never throws.
 */
export function decodeTextLine(bytes: Uint8Array): string | { error: string } {
  try {
    return utf8.decode(bytes);
  } catch {
    return { error: INVALID_CHARACTERS };
  }
}

/**
 * Parses one command line. A trailing `\n`, `\r\n` or lone `\r` is accepted; any other control
 * character (tab excepted, it separates words) gives `{ error: 'invalid characters in command line' }`.
 * WORD is upper-cased; args keep their case.
 */
export function parseTextLine(line: string): ParsedTextLine | { error: string } {
  let text = line;
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (FORBIDDEN_CONTROL.test(text)) return { error: INVALID_CHARACTERS };
  const parts = text.split(/[ \t]+/).filter((p) => p !== '');
  const [word, ...args] = parts;
  if (word === undefined) return { error: 'empty command line' };
  return { word: word.toUpperCase(), args };
}

/**
 * A WORD made safe to echo in `ERR: unknown command: WORD`: upper-cased, control characters
 * removed, at most 64 characters (then `…`).
 */
export function sanitizeWord(word: string): string {
  const clean = word.replace(ANY_CONTROL, '').toUpperCase();
  const chars = [...clean];
  return chars.length > MAX_ECHOED_WORD ? `${chars.slice(0, MAX_ECHOED_WORD).join('')}…` : clean;
}
