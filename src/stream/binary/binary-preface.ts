/**
 * The binary mode preface handshake (docs/protocol.md "Binary mode"). Both sides start with the
 * 4 bytes `00 53 57 <version>` ("\0SW" + 1):
 *
 * - server (`acceptBinaryPreface`): reads the client's preface before a connection exists. A good
 *   one hands the socket over (the server's stream then sends its own preface first). A bad one
 *   (not "\0SW", or a version other than 1) is answered with the server's preface and one error
 *   frame (-32600, id null, the reason in `message`, `data.supportedVersions: [1]`), then the
 *   connection is closed: a client of another version learns what this server speaks.
 * - client (`PeerPrefaceReader`): the first bytes from the server must be its preface. A server
 *   that rejects a connection before reading it (too many connections) answers with one JSON line
 *   whatever the mode: the reader returns that line's value so the client can report it.
 */
import type { Socket } from 'node:net';
import { BINARY_PREFACE, BINARY_VERSION, parsePreface } from '../../framing/length-prefix.js';
import { encodeMessageFrame } from './binary-codec.js';
import { endPolitely } from '../end-politely.js';
import { errorMessage } from '../../protocol/message.js';
import { ErrorCodes } from '../../protocol/response-error.js';
import type { TimerHandle, Timers } from '../../util/timers.js';

/** Longest JSON line a client accepts in place of the server's preface. */
const MAX_JSON_LINE = 64 * 1024;

export interface AcceptPrefaceOptions {
  /**
   * Close the socket when the preface is not complete within this long; 0 = wait forever.
   * @default 10000
   */
  readonly timeoutMs?: number;
  /** Timer functions (for the timeout and the polite close). */
  readonly timers: Timers;
  /** Called with what followed a good preface; the socket is paused. */
  readonly onAccepted: (socket: Socket, rest: Buffer) => void;
}

/** The bytes a server sends to a client whose preface it refuses: its own preface + one error frame. */
export function prefaceRejection(reason: string): Buffer {
  const frame = encodeMessageFrame(
    errorMessage(null, { code: ErrorCodes.InvalidRequest, message: `invalid request: ${reason}`, data: { supportedVersions: [BINARY_VERSION] } }),
  );
  return Buffer.concat([BINARY_PREFACE, frame]);
}

/**
 * Reads the client's preface from `initial` (the sniffed bytes, from the 0x00 on) and the socket.
 * Calls `onAccepted` once it is valid; otherwise refuses it (see above), or destroys the socket on
 * EOF or timeout before 4 bytes arrived.
 */
export function acceptBinaryPreface(socket: Socket, initial: Buffer, options: AcceptPrefaceOptions): void {
  let seen = initial;
  let timer: TimerHandle | undefined;
  const cleanup = (): void => {
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    if (timer !== undefined) options.timers.clearTimeout(timer);
  };
  /** True once decided. */
  const decide = (): boolean => {
    const result = parsePreface(seen);
    if (result.ok === 'need-more') return false;
    cleanup();
    if (result.ok) {
      socket.pause();
      options.onAccepted(socket, result.rest);
    } else {
      endPolitely(socket, options.timers, prefaceRejection(result.reason));
    }
    return true;
  };
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    decide();
  };
  const onEnd = (): void => {
    cleanup();
    socket.destroy(); // EOF inside the preface
  };
  if (decide()) return;
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('close', cleanup);
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (timeoutMs > 0) {
    timer = options.timers.setTimeout(() => {
      cleanup();
      socket.destroy();
    }, timeoutMs);
  }
  socket.resume();
}

/** What the client has read of the server's preface so far. */
export type PeerPrefaceResult =
  /** Valid; `rest` is the first frame bytes that followed it. */
  | { readonly kind: 'ok'; readonly rest: Buffer }
  /** Not complete yet. */
  | { readonly kind: 'need-more' }
  /** The server answered with a JSON line instead (e.g. "server busy"), parsed. */
  | { readonly kind: 'json'; readonly value: unknown }
  /** Not a sidewire binary server (or another binary version); `reason` says what came. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** Client side: checks the first bytes the server sends. Feed it chunks until it is decided. */
export class PeerPrefaceReader {
  private seen: Buffer = Buffer.alloc(0);

  /** Bytes received so far (0 = the server sent nothing). */
  get receivedBytes(): number {
    return this.seen.length;
  }

  push(chunk: Buffer): PeerPrefaceResult {
    this.seen = this.seen.length === 0 ? chunk : Buffer.concat([this.seen, chunk]);
    if (this.seen[0] === 0x7b) return this.jsonLine();
    const result = parsePreface(this.seen);
    if (result.ok === 'need-more') return { kind: 'need-more' };
    if (result.ok) return { kind: 'ok', rest: result.rest };
    return { kind: 'invalid', reason: `the server did not answer with a sidewire binary preface (${result.reason})` };
  }

  private jsonLine(): PeerPrefaceResult {
    const nl = this.seen.indexOf(0x0a);
    if (nl === -1) {
      if (this.seen.length <= MAX_JSON_LINE) return { kind: 'need-more' };
      return { kind: 'invalid', reason: `the server answered binary mode with more than ${MAX_JSON_LINE} bytes of text` };
    }
    const line = this.seen.subarray(0, nl).toString('utf8');
    try {
      return { kind: 'json', value: JSON.parse(line) as unknown };
    } catch {
      return { kind: 'invalid', reason: `the server answered binary mode with text that is not JSON: ${JSON.stringify(line.slice(0, 80))}` };
    }
  }
}
