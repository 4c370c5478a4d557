/**
 * The client's message stream for one connection attempt, in the wire mode it chose
 * (`ClientOptions.mode`), and what a failed binary handshake means.
 *
 * The first byte a client sends decides the mode (docs/protocol.md §3), so the choice is made before the
 * hello: `auto` tries binary, and falls back to JSON once when the server closed the binary
 * connection without sending a single byte (a server without binary mode closes such sockets).
 */
import type { Socket } from 'node:net';
import { ConnectionError, createError } from '../errors.js';
import { BinaryStream } from '../stream/binary/binary-stream.js';
import type { MessageStream } from '../stream/message-stream.js';
import { NdjsonStream } from '../stream/json/ndjson-stream.js';
import { LspStream } from '../stream/lsp/lsp-stream.js';
import type { Timers } from '../util/timers.js';

/** A wire mode a client can use on one connection. */
export type ClientWireMode = 'json' | 'binary' | 'lsp';

export interface ClientStreamOptions {
  readonly timers: Timers;
  /**
   * Largest accepted incoming message, in bytes.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number | undefined;
}

/** Builds the stream: NDJSON, LSP framing, or binary frames preceded by the preface (both directions). */
export function createClientStream(socket: Socket, mode: ClientWireMode, options: ClientStreamOptions): MessageStream {
  const common = {
    timers: options.timers,
    closeGraceMs: 0,
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
  };
  if (mode === 'binary') return new BinaryStream(socket, { ...common, expectPreface: true });
  return mode === 'lsp' ? new LspStream(socket, common) : new NdjsonStream(socket, common);
}

/**
 * After a failed handshake on `stream`: an `ERR_HANDSHAKE` error when the binary handshake itself
 * failed, else undefined (the usual handshake error applies). `details.binary` is `'unsupported'`
 * when the server closed the binary connection without sending a byte (`auto` then retries in
 * JSON mode), `'invalid'` when it answered with something other than a binary preface.
 */
export function binaryHandshakeFailure(stream: MessageStream, endpoint: string): ConnectionError | undefined {
  if (!(stream instanceof BinaryStream)) return undefined;
  const fixes = [
    "connect with { mode: 'json' } (JSON mode works with every sidewire and JSON-RPC-over-NDJSON server)",
    'check that a sidewire server (not another program) listens there: `sidewire doctor`',
    'upgrade the server: sidewire servers speak binary protocol version 1',
  ];
  if (stream.peerPreface === 'waiting' && !stream.isOpen && stream.receivedBytes === 0) {
    return createError('ERR_HANDSHAKE', `the server at ${endpoint} closed the binary mode connection without answering: it does not seem to speak binary mode`, {
      fixes,
      details: { endpoint, mode: 'binary', binary: 'unsupported' },
    });
  }
  if (stream.peerPreface !== 'invalid') return undefined;
  return createError('ERR_HANDSHAKE', `binary mode handshake with ${endpoint} failed: ${stream.prefaceProblem ?? 'bad preface'}`, {
    fixes,
    details: { endpoint, mode: 'binary', binary: 'invalid' },
  });
}
