/**
 * A bidirectional stream of decoded messages over one byte stream. The connection logic
 * (server and client) only sees this interface, so JSON mode (NDJSON, `ndjson-stream.ts`) and the
 * later binary mode (length prefix + msgpack) are interchangeable.
 */
import type { ShmCounters } from './binary/shm-link.js';
import type { PreparedMessage } from './prepared-message.js';

/** A framing problem with one incoming message; the stream keeps going unless told otherwise. */
export interface StreamFrameError {
  /**
   * `parse`: not valid JSON/msgpack; `too-large`: over maxMessageBytes; `encoding`: not UTF-8;
   * `over-budget`: the server's cap on bytes held for incomplete messages refused this one;
   * `invalid`: decoded, but refused by the protocol (a `__proto__` key...): answered -32600 with `id`.
   */
  readonly kind: 'parse' | 'too-large' | 'encoding' | 'over-budget' | 'invalid';
  readonly message: string;
  /** Size of the offending message, when known. */
  readonly bytes?: number;
  /** `invalid` only: the id of the request that held it (null when unknown). */
  readonly id?: string | number | null;
}

/**
 * How important an outgoing message is. `reply` (responses, client requests) is always written;
 * `event` (publish/broadcast/notify) is subject to the slow-consumer policy.
 */
export type MessagePriority = 'reply' | 'event';

/** What happened to a sent message. */
export type SendOutcome = 'queued' | 'dropped' | 'closed';

/** Why a stream closed. */
export interface StreamCloseInfo {
  /** True when the socket failed (reset, write error) rather than ending normally. */
  readonly hadError: boolean;
  /** The socket error, or the reason sidewire closed it (e.g. slow consumer). */
  readonly error?: Error;
}

export interface MessageStreamHandlers {
  /** One decoded message (a batch arrives as one array value). */
  onMessage(value: unknown): void;
  /** An incoming message could not be decoded. */
  onFrameError(error: StreamFrameError): void;
  /** The peer finished sending (half-close); replies may still be written. Optional. */
  onPeerEnd?(): void;
  /** The byte stream closed; called once. */
  onClose(info: StreamCloseInfo): void;
}

export interface MessageStream {
  /** The wire mode of this stream. */
  readonly mode: 'json' | 'binary' | 'lsp';
  /** True until the byte stream closes or `close`/`destroy` is called. */
  readonly isOpen: boolean;
  /** Bytes written but not yet accepted by the OS (coalescing buffer + socket buffer). */
  readonly bufferedBytes: number;
  /** Events dropped because the peer did not read fast enough. */
  readonly droppedEvents: number;
  /**
   * Calls `callback` once `bufferedBytes` is at or below `limit`, checked whenever it may have
   * fallen (the socket drained, a batch was written, the peer released ring room). One waiter at
   * a time: a new call replaces it, `undefined` removes it. Dropped when the stream closes.
   */
  whenBelow(limit: number, callback: (() => void) | undefined): void;
  /** Bytes read from the peer so far, when the stream knows. */
  readonly bytesIn?: number;
  /** Bytes written to the peer so far, when the stream knows. */
  readonly bytesOut?: number;
  /** Messages queued for the peer so far, when the stream knows. */
  readonly messagesOut?: number;
  /** Starts reading; `handlers` receive everything from now on (including bytes read while sniffing). */
  start(handlers: MessageStreamHandlers): void;
  /**
   * Encodes and queues one message (written once per event-loop turn, coalesced).
   * @throws SidewireError ERR_ENCODE when the message cannot be encoded (e.g. a BigInt or a cycle)
   */
  send(message: object | PreparedMessage, priority?: MessagePriority): SendOutcome;
  /**
   * Sends the request `requestMessage(id, method, params)`, or without `id` the notification
   * `notificationMessage(method, params)`: the same as `send` of that message, which binary mode
   * encodes without building it.
   * @throws SidewireError ERR_ENCODE when `params` cannot be encoded
   */
  sendCall(id: number | undefined, method: string, params: unknown, priority?: MessagePriority): SendOutcome;
  /**
   * Refuse to send messages larger than `bytes` (the peer's limit, learnt from `$/hello`):
   * `send` then throws SidewireError ERR_MESSAGE_TOO_LARGE instead of writing them.
   */
  limitOutgoing?(bytes: number): void;
  /**
   * Accept incoming messages of at most `bytes` from now on (capped by the stream's
   * `maxMessageBytes`); callable before `start`. A server lowers it until a token endpoint's
   * connection authenticated (docs/protocol.md "Limits").
   */
  limitIncoming?(bytes: number): void;
  /** The shared-memory side channel's state (binary mode, once negotiated in `$/hello`). */
  readonly sharedMemory?: ShmCounters | undefined;
  /** Flushes what is queued, then ends the byte stream politely. Idempotent. */
  close(): void;
  /** Closes the byte stream now, dropping anything queued. Idempotent. */
  destroy(error?: Error): void;
}
