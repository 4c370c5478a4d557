/**
 * JSON mode's `MessageStream` (docs/protocol.md §3): one JSON value per `\n`-terminated UTF-8 line, over
 * a net.Socket, with coalesced bounded writes (`SocketWriter`).
 */
import type { Socket } from 'node:net';
import { SidewireError, createError, encodeFailed, isSidewireError } from '../../errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../framing/limits.js';
import { NdjsonDecoder, encodeNdjson, type NdjsonDecoderOptions } from '../../framing/ndjson.js';
import { encodeCallNdjson } from '../../framing/ndjson-call.js';
import type { ReceiveBudget } from '../../framing/receive-budget.js';
import type {
  MessagePriority,
  MessageStream,
  MessageStreamHandlers,
  SendOutcome,
} from '../message-stream.js';
import { PreparedMessage } from '../prepared-message.js';
import type { SlowConsumerPolicy } from '../batch-writer.js';
import { SocketWriter } from './socket-writer.js';
import { SocketMessageStream, type SocketStreamOptions } from '../socket-message-stream.js';

/** Options of an NdjsonStream (with `closeGraceMs` and `timers`, see SocketStreamOptions). */
export interface NdjsonStreamOptions extends SocketStreamOptions {
  /**
   * Largest accepted incoming line, in bytes.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Buffered outgoing bytes above which the slow-consumer policy applies.
   * @default 8388608 (8 MiB)
   */
  readonly highWaterMarkBytes?: number;
  /**
   * What to do with events for a peer that does not read them.
   * @default 'drop'
   */
  readonly slowConsumer?: SlowConsumerPolicy;
  /** Bytes already read from the socket (while sniffing the mode); decoded first on `start`. */
  readonly initial?: Buffer;
  /**
   * Where the bytes of incomplete incoming lines are taken from (the server's cap across
   * connections, receive-budget.ts).
   * @default none
   */
  readonly receiveBudget?: ReceiveBudget;
}

/** What a JSON-RPC text framing's decoder offers the stream (NdjsonDecoder, LspDecoder). */
export interface JsonFrameDecoder {
  push(chunk: Buffer): void;
  end(): void;
  setMaxMessageBytes(bytes: number): void;
}

/**
 * JSON mode's stream; also the base of LSP framing's (`lsp-stream.ts`), which changes only how
 * messages are cut (`createDecoder`) and wrapped (`frame`).
 */
export class NdjsonStream extends SocketMessageStream implements MessageStream {
  readonly mode: 'json' | 'lsp' = 'json';
  private readonly options: NdjsonStreamOptions;
  protected readonly writer: SocketWriter;
  /** The peer's message size limit, once known; undefined = unlimited. */
  private outgoingLimit: number | undefined;
  /** The incoming line limit set by `limitIncoming` (undefined: `maxMessageBytes`), and the decoder once started. */
  private incomingLimit: number | undefined;
  private decoder: JsonFrameDecoder | undefined;

  constructor(socket: Socket, options: NdjsonStreamOptions = {}) {
    super(socket, options);
    this.options = options;
    this.writer = new SocketWriter(socket, {
      ...(options.highWaterMarkBytes === undefined ? {} : { highWaterMarkBytes: options.highWaterMarkBytes }),
      ...(options.slowConsumer === undefined ? {} : { slowConsumer: options.slowConsumer }),
      onPressure: (over) => {
        // Stop reading requests from a peer that does not read its replies.
        if (over) socket.pause();
        else if (this.open) socket.resume();
      },
    });
  }

  start(handlers: MessageStreamHandlers): void {
    if (this.handlers !== undefined) throw new Error('NdjsonStream.start called twice');
    this.handlers = handlers;
    const decoder = this.createDecoder({
      maxMessageBytes: this.incomingLimit ?? this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      onMessage: (value) => {
        if (this.open) handlers.onMessage(value);
      },
      onError: (e) => {
        if (this.open) handlers.onFrameError(e);
      },
      ...(this.options.receiveBudget === undefined ? {} : { budget: this.options.receiveBudget }),
    });
    this.decoder = decoder;
    // A throwing handler is a bug above us: fail this connection, not the process.
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const initial = this.options.initial;
    if (initial !== undefined && initial.length > 0) guarded(() => decoder.push(initial));
    this.socket.on('data', (chunk: Buffer) => guarded(() => decoder.push(chunk)));
    this.socket.on('end', () => {
      guarded(() => decoder.end());
      if (this.open) handlers.onPeerEnd?.();
    });
    this.startReading();
  }

  send(message: object | PreparedMessage, priority: MessagePriority = 'reply'): SendOutcome {
    return this.sendLine(message, priority, priority === 'reply');
  }

  sendCall(id: number | undefined, method: string, params: unknown, priority: MessagePriority = 'reply'): SendOutcome {
    if (!this.isOpen) return 'closed';
    return this.writeLine(encodeCallNdjson(id, method, params), priority, id !== undefined);
  }

  /** The decoder of incoming messages: NDJSON lines. */
  protected createDecoder(options: NdjsonDecoderOptions): JsonFrameDecoder {
    return new NdjsonDecoder(options);
  }

  /** What is written for one encoded message (`line`: JSON and its `\n`): the line itself. */
  protected frame(line: string): string {
    return line;
  }

  /** `urgent`: a request or reply, written once a little is batched (see SocketWriter.write). */
  private sendLine(message: object | PreparedMessage, priority: MessagePriority, urgent: boolean): SendOutcome {
    if (!this.isOpen) return 'closed';
    let line: string;
    try {
      line = message instanceof PreparedMessage ? message.encoded('json', encodeNdjson) : encodeNdjson(message);
    } catch (err) {
      throw isSidewireError(err, 'ERR_ENCODE') ? err : encodeFailed('the message as JSON', err);
    }
    return this.writeLine(line, priority, urgent);
  }

  /** Writes one encoded line (JSON and its `\n`), checked against the peer's limit. */
  private writeLine(line: string, priority: MessagePriority, urgent: boolean): SendOutcome {
    // UTF-8 needs at most 3 bytes per UTF-16 unit: only long lines are measured.
    const limit = this.outgoingLimit;
    if (limit !== undefined && line.length * 3 > limit + 1) {
      const bytes = Buffer.byteLength(line) - 1; // without the newline
      if (bytes > limit) throw messageTooLarge(bytes, limit);
    }
    return this.writer.write(this.frame(line), priority, urgent);
  }

  limitOutgoing(bytes: number): void {
    this.outgoingLimit = bytes;
  }

  limitIncoming(bytes: number): void {
    this.incomingLimit = Math.min(bytes, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.decoder?.setMaxMessageBytes(this.incomingLimit);
  }
}

/** The error `send` throws for a message over the peer's limit. */
export function messageTooLarge(bytes: number, limit: number): SidewireError {
  return createError('ERR_MESSAGE_TOO_LARGE', `message is ${bytes} bytes; the server accepts at most ${limit} (its limits.maxMessageBytes)`, {
    fixes: ['send less per call (split the data over several calls)', 'raise limits.maxMessageBytes on the server', 'send Buffers in binary mode (no base64)'],
    details: { bytes, limit },
  });
}
