/**
 * Connection mode sniffing (docs/protocol.md §3): the first significant bytes a client sends decide
 * the mode of the whole connection.
 *
 * | first significant bytes                          | mode     |
 * |--------------------------------------------------|----------|
 * | `{` or `[`                                       | `json`   |
 * | 0x00                                             | `binary` |
 * | `Content-Length:` or `Content-Type:` (any case)  | `lsp`    |
 * | any other ASCII letter A-Z a-z                   | `text`   |
 *
 * Whitespace is ASCII space, tab, `\r` and `\n`. Anything else (0xff, `#`, a digit, a UTF-8 BOM...)
 * is `invalid`: the server should close the connection. A `C`/`c` waits for the bytes that tell an
 * LSP header from a text command (at most `LSP_SNIFF_BYTES`): `undecided` with `keep` set.
 */

export type WireMode = 'json' | 'binary' | 'text' | 'lsp';

export type SniffResult =
  /** `offset` is the index in the chunk of the first significant byte. */
  | { readonly mode: WireMode; readonly offset: number }
  /**
   * Not decided yet: only whitespace so far (`keep` undefined: drop the bytes and wait), or the
   * start of a possible LSP header from index `keep` on (keep those bytes, sniff again with more).
   */
  | { readonly mode: 'undecided'; readonly keep?: number }
  /** The first significant byte starts no known mode. */
  | { readonly mode: 'invalid'; readonly byte: number };

const UNDECIDED: SniffResult = Object.freeze({ mode: 'undecided' });

/** The header names (lower case, with their colon) that start LSP framing. */
const LSP_HEADERS = ['content-length:', 'content-type:'] as const;
/** The most bytes sniffing may wait for before it decides: the longest header name. */
export const LSP_SNIFF_BYTES = 'content-length:'.length;

/** Decides the wire mode from the bytes received so far (whitespace already seen may be dropped). */
export function sniffMode(chunk: Buffer): SniffResult {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) continue;
    if (b === 0x7b || b === 0x5b) return { mode: 'json', offset: i };
    if (b === 0x00) return { mode: 'binary', offset: i };
    if (b === 0x43 || b === 0x63) return sniffHeader(chunk, i);
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return { mode: 'text', offset: i };
    return { mode: 'invalid', byte: b };
  }
  return UNDECIDED;
}

/** `chunk[offset]` is a `C`: an LSP header name, a text command, or not known yet. */
function sniffHeader(chunk: Buffer, offset: number): SniffResult {
  const seen = chunk.subarray(offset, offset + LSP_SNIFF_BYTES).toString('latin1').toLowerCase();
  for (const name of LSP_HEADERS) {
    if (seen.startsWith(name)) return { mode: 'lsp', offset };
    if (name.startsWith(seen)) return { mode: 'undecided', keep: offset };
  }
  return { mode: 'text', offset };
}
