/**
 * Connection mode sniffing (docs/protocol.md §3): the first non-whitespace byte a client sends decides
 * the mode of the whole connection.
 *
 * | first significant byte | mode     |
 * |------------------------|----------|
 * | `{` or `[`             | `json`   |
 * | 0x00                   | `binary` |
 * | ASCII letter A-Z a-z   | `text`   |
 *
 * Whitespace is ASCII space, tab, `\r` and `\n`. Anything else (0xff, `#`, a digit, a UTF-8 BOM...)
 * is `invalid`: the server should close the connection.
 */

export type WireMode = 'json' | 'binary' | 'text';

export type SniffResult =
  /** `offset` is the index in the chunk of the first significant byte. */
  | { readonly mode: WireMode; readonly offset: number }
  /** Only whitespace so far (or an empty chunk): wait for more bytes. */
  | { readonly mode: 'undecided' }
  /** The first significant byte starts no known mode. */
  | { readonly mode: 'invalid'; readonly byte: number };

const UNDECIDED: SniffResult = Object.freeze({ mode: 'undecided' });

/** Decides the wire mode from the bytes received so far (whitespace already seen may be dropped). */
export function sniffMode(chunk: Buffer): SniffResult {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) continue;
    if (b === 0x7b || b === 0x5b) return { mode: 'json', offset: i };
    if (b === 0x00) return { mode: 'binary', offset: i };
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return { mode: 'text', offset: i };
    return { mode: 'invalid', byte: b };
  }
  return UNDECIDED;
}
