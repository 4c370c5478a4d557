/**
 * The header section of LSP framing (docs/protocol.md "LSP framing"): what editors' JSON-RPC
 * libraries (vscode-jsonrpc and every LSP client) put before each message:
 *
 * ```
 * Content-Length: 52\r\n
 * Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n      (optional)
 * \r\n
 * {"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}
 * ```
 *
 * Rules: header lines end with `\r\n` and the section with an empty line; each line is
 * `Name: value`; names are case-insensitive; `Content-Length` (required, once, 1 to 15 decimal
 * digits) is the body's length in bytes; `Content-Type` is optional and, when it names a charset,
 * it must be UTF-8 (`utf-8` or `utf8`, the LSP spec's historic spelling); other headers are
 * ignored. The whole section, up to and including its empty line, is at most `MAX_LSP_HEADER_BYTES`.
 * Anything else is malformed: the stream cannot be trusted past it.
 */

/** Largest header section (all lines and the final empty line). */
export const MAX_LSP_HEADER_BYTES = 4096;

/** The parsed header section, or why it is malformed (one line, safe to send to the peer). */
export type LspHeaderResult = { readonly ok: true; readonly contentLength: number } | { readonly ok: false; readonly reason: string };

const DIGITS = /^[0-9]{1,15}$/;
/** A header name: an HTTP token. */
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CHARSET = /(?:^|;)\s*charset\s*=\s*"?([^";\s]*)"?\s*(?:;|$)/i;

/**
 * Parses the header section `text` (latin1-decoded bytes, without the final `\r\n\r\n`). Never
 * throws.
 */
export function parseLspHeaders(text: string): LspHeaderResult {
  let contentLength: number | undefined;
  for (const line of text.split('\r\n')) {
    if (line.includes('\n') || line.includes('\r')) return malformed('header lines must end with \\r\\n');
    const colon = line.indexOf(':');
    if (colon <= 0) return malformed(`expected "Name: value", got ${quote(line)}`);
    const name = line.slice(0, colon);
    if (!NAME.test(name)) return malformed(`bad header name ${quote(name)}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (!DIGITS.test(value)) return malformed(`Content-Length must be a decimal byte count, got ${quote(value)}`);
      const n = Number(value);
      if (contentLength !== undefined && contentLength !== n) return malformed('two different Content-Length headers');
      contentLength = n;
    } else if (lower === 'content-type') {
      const charset = CHARSET.exec(value)?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) return malformed(`charset ${quote(charset)} is not supported: send UTF-8`);
    }
  }
  if (contentLength === undefined) return malformed('no Content-Length header');
  return { ok: true, contentLength };
}

/** `Content-Length: <bytes of body>\r\n\r\n`: the header sidewire writes before a message body. */
export function lspHeader(bodyBytes: number): string {
  return `Content-Length: ${bodyBytes}\r\n\r\n`;
}

function malformed(reason: string): LspHeaderResult {
  return { ok: false, reason: `malformed LSP header: ${reason}` };
}

/** A peer's text, quoted and cut short for an error message. */
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
