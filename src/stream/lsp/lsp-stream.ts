/**
 * LSP framing's `MessageStream` (docs/protocol.md "LSP framing"): JSON mode's messages, each
 * preceded by a `Content-Length` header section instead of followed by `\n` — what
 * vscode-jsonrpc's `SocketMessageReader`/`SocketMessageWriter` and every LSP client speak.
 * Everything else (limits, coalesced writes, slow consumers, the receive budget) is JSON mode's
 * (`NdjsonStream`); a malformed header closes the stream once the error reply is written.
 */
import type { NdjsonDecoderOptions } from '../../framing/ndjson.js';
import { LspDecoder } from '../../framing/lsp-decoder.js';
import { lspHeader } from '../../framing/lsp-headers.js';
import { NdjsonStream, type JsonFrameDecoder } from '../json/ndjson-stream.js';

export class LspStream extends NdjsonStream {
  override readonly mode = 'lsp' as const;

  protected override createDecoder(options: NdjsonDecoderOptions): JsonFrameDecoder {
    const decoder: LspDecoder = new LspDecoder({
      ...options,
      onError: (e) => {
        options.onError(e);
        if (decoder.broken) this.close(); // the framing is lost: answer, then end the connection
      },
    });
    return decoder;
  }

  /** `Content-Length: N\r\n\r\n` and the JSON body (the line without its `\n`). */
  protected override frame(line: string): string {
    const body = line.slice(0, -1);
    return lspHeader(Buffer.byteLength(body)) + body;
  }
}
