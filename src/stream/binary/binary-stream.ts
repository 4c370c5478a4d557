/**
 * Binary mode's `MessageStream` (docs/protocol.md "Binary mode"): after the 4-byte preface, frames
 * `[u32 big-endian length][MessagePack payload]` over a net.Socket, each payload one JSON-RPC
 * message (or batch) exactly as in JSON mode. Buffers inside messages travel as MessagePack `bin`.
 *
 * Writes go through a `BinaryWriter` (binary-writer.ts): frames are encoded straight into one
 * batch Buffer written once per event-loop turn, with the same high-water mark, slow-consumer
 * policy and read pausing as JSON mode's SocketWriter. A large frame (>= 64 KiB) is written at once
 * without a copy into a batch; Buffers of 64 KiB or more inside a message are written from the
 * caller's memory (one corked write of the frame's pieces), never copied.
 *
 * A frame whose header announces more than `maxMessageBytes` is rejected from the header alone
 * (nothing is allocated for it): the stream reports `too-large` (the server answers -32004), then
 * closes, because the byte stream cannot be resynchronised. A frame that is not valid MessagePack
 * is a `parse` error and the stream continues with the next frame.
 *
 * The shared-memory side channel (docs/shared-memory.md), when negotiated in `$/hello`
 * (`offerSharedMemory` / `acceptSharedMemory` / `completeSharedMemory`), carries large frames'
 * payloads through ring files: indirect frames are read from the peer's ring (a release frame
 * goes back after each read from the socket), and the writer puts large frames into ours.
 */
import type { Socket } from 'node:net';
import { INDIRECT_MARK, releaseFrame } from '../../framing/control-frames.js';
import { BINARY_PREFACE, LengthPrefixDecoder } from '../../framing/length-prefix.js';
import type { ReceiveBudget } from '../../framing/receive-budget.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../framing/limits.js';
import { decodeMsgpackAt } from '../../framing/msgpack.js';
import { NEEDS_LIBRARY, tryDecode } from '../../framing/msgpack-decoder.js';
import { encodeMessageFrame } from './binary-codec.js';
import { PeerPrefaceReader } from './binary-preface.js';
import type { MessagePriority, MessageStream, MessageStreamHandlers, SendOutcome, StreamFrameError } from '../message-stream.js';
import { notificationMessage, requestMessage } from '../../protocol/message.js';
import { PreparedMessage } from '../prepared-message.js';
import { BinaryWriter } from './binary-writer.js';
import { SharedMemoryLink, type ShmCounters, type ShmHelloReply } from './shm-link.js';
import type { RingOffer } from '../../transport/shm/shared-ring.js';
import type { SharedMemorySettings } from '../../transport/shm/shm-options.js';
import type { SlowConsumerPolicy } from '../batch-writer.js';
import { SocketMessageStream, type SocketStreamOptions } from '../socket-message-stream.js';

/** Options of a BinaryStream (with `closeGraceMs` and `timers`, see SocketStreamOptions). */
export interface BinaryStreamOptions extends SocketStreamOptions {
  /**
   * Largest accepted incoming frame payload, in bytes (checked against the header).
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
  /** Bytes already read from the socket (after the client's preface, on the server); decoded first on `start`. */
  readonly initial?: Buffer;
  /**
   * Where the buffers of incoming frames that span reads are taken from (the server's cap across
   * connections, receive-budget.ts).
   * @default none
   */
  readonly receiveBudget?: ReceiveBudget;
  /**
   * Send our preface (`00 53 57 01`) before the first frame. Both sides do; the server's router
   * has already read and checked the client's.
   * @default true
   */
  readonly sendPreface?: boolean;
  /**
   * The incoming bytes start with the peer's preface (the client reading the server's). A wrong
   * one destroys the stream with an error that says what arrived (`prefaceProblem`).
   * @default false
   */
  readonly expectPreface?: boolean;
}

/** Where the peer's preface stands (client side). */
export type PeerPrefaceState = 'not-expected' | 'waiting' | 'received' | 'json' | 'invalid';

export class BinaryStream extends SocketMessageStream implements MessageStream {
  readonly mode = 'binary' as const;
  private readonly options: BinaryStreamOptions;
  protected readonly writer: BinaryWriter;
  private preface: PeerPrefaceState;
  private problem: string | undefined;
  private received = 0;
  /** Over the high-water mark per the writer: reading from the peer is paused. */
  private writerOver = false;
  /** The shared-memory side channel, once negotiated. */
  private shm: SharedMemoryLink | undefined;
  /** The incoming frame limit set by `limitIncoming` (undefined: `maxMessageBytes`), and the decoder once started. */
  private incomingLimit: number | undefined;
  private decoder: LengthPrefixDecoder | undefined;

  constructor(socket: Socket, options: BinaryStreamOptions = {}) {
    super(socket, options);
    this.options = options;
    this.preface = options.expectPreface === true ? 'waiting' : 'not-expected';
    this.writer = new BinaryWriter(socket, {
      ...(options.highWaterMarkBytes === undefined ? {} : { highWaterMarkBytes: options.highWaterMarkBytes }),
      ...(options.slowConsumer === undefined ? {} : { slowConsumer: options.slowConsumer }),
      onPressure: (over) => {
        this.writerOver = over;
        this.applyPressure();
      },
    });
    if (options.sendPreface !== false) socket.write(BINARY_PREFACE);
  }

  /** The peer's preface: `waiting` until it arrived (client side), `received` after. */
  get peerPreface(): PeerPrefaceState {
    return this.preface;
  }

  /** Bytes read from the peer so far (including `initial`). */
  get receivedBytes(): number {
    return this.received;
  }

  /** Why the peer's preface was refused (`peerPreface` is `invalid` or `json`). */
  get prefaceProblem(): string | undefined {
    return this.problem;
  }

  /** The side channel's state, when this connection negotiated one. */
  get sharedMemory(): ShmCounters | undefined {
    return this.shm?.counters;
  }

  /** Client, before `$/hello`: makes this side's ring; its offer goes into the hello params as `shm`. */
  offerSharedMemory(settings: SharedMemorySettings): RingOffer | undefined {
    const link = SharedMemoryLink.create(settings, this.socket);
    if (typeof link === 'string') return undefined;
    const offer = link.offer();
    if (offer === undefined) return undefined;
    this.attach(link);
    return offer;
  }

  /** Client, after `$/hello`: the server's `shm` reply (undefined: an older server, or none). */
  completeSharedMemory(reply: unknown): void {
    const link = this.shm;
    if (link === undefined) return;
    const r = (typeof reply === 'object' && reply !== null ? reply : {}) as Partial<ShmHelloReply>;
    if (r.accepted === true) link.enableOutgoing();
    else link.dropOutgoing();
    // "I mapped your ring": the server starts using it when this arrives.
    if (r.ring !== undefined && link.openIncoming(r.ring) === undefined) this.writer.writeControl(releaseFrame(0));
  }

  /** Server, in `$/hello`: maps the client's ring and offers ours; the `shm` of the hello result. */
  acceptSharedMemory(offer: unknown, settings: SharedMemorySettings): ShmHelloReply {
    if (this.shm !== undefined) return { accepted: false, reason: 'this connection already has a shared ring' };
    const link = SharedMemoryLink.create(settings, this.socket);
    if (typeof link === 'string') return { accepted: false, reason: link };
    const problem = link.openIncoming(offer);
    if (problem !== undefined) {
      link.close();
      return { accepted: false, reason: problem };
    }
    this.attach(link);
    const ring = link.offer();
    return ring === undefined ? { accepted: true } : { accepted: true, ring };
  }

  private attach(link: SharedMemoryLink): void {
    this.shm = link;
    this.writer.shm = link;
    if (this.socket.destroyed) link.close();
    else this.socket.once('close', () => link.close());
  }

  start(handlers: MessageStreamHandlers): void {
    if (this.handlers !== undefined) throw new Error('BinaryStream.start called twice');
    this.handlers = handlers;
    const maxFrameBytes = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const onFrame = (buffer: Buffer, start: number, end: number): void => {
      if (!this.open) return;
      const value = tryDecode(buffer, start, end); // the common case, without a result object
      if (value !== NEEDS_LIBRARY) {
        handlers.onMessage(value);
        return;
      }
      const decoded = decodeMsgpackAt(buffer, start, end);
      if (decoded.ok) handlers.onMessage(decoded.value);
      else handlers.onFrameError(decoded.error);
    };
    const fail = (e: StreamFrameError): void => {
      if (!this.open) return;
      handlers.onFrameError(e); // the server queues its -32004 reply here...
      this.close(); // ...which goes out before the end: the stream cannot resync
    };
    const decoder = new LengthPrefixDecoder({
      maxFrameBytes: this.incomingLimit ?? maxFrameBytes,
      ...(this.options.receiveBudget === undefined ? {} : { budget: this.options.receiveBudget }),
      onFrameAt: onFrame,
      onError: fail,
      onControl: (mark, a, b) => {
        const shm = this.shm;
        if (shm === undefined) {
          // Without a side channel those headers are lengths, as for any other peer.
          fail({ kind: 'too-large', message: `frame of ${mark} bytes is over the limit of ${maxFrameBytes} bytes (maxFrameBytes); the binary stream cannot continue`, bytes: mark });
        } else if (mark === INDIRECT_MARK) {
          if (b > maxFrameBytes) return fail({ kind: 'too-large', message: `frame of ${b} bytes is over the limit of ${maxFrameBytes} bytes (maxMessageBytes)`, bytes: b });
          const payload = shm.read(a, b);
          if (typeof payload === 'string') fail({ kind: 'parse', message: `shared-memory side channel: ${payload}` });
          else onFrame(payload, 0, b);
        } else {
          const problem = shm.released(a);
          if (problem !== undefined) fail({ kind: 'parse', message: `shared-memory side channel: ${problem}` });
          else this.writer.ringReleased();
        }
      },
    });
    this.decoder = decoder;
    let feed = (chunk: Buffer): void => decoder.push(chunk);
    if (this.preface === 'waiting') {
      const reader = new PeerPrefaceReader();
      feed = (chunk) => {
        if (this.preface !== 'waiting') {
          if (this.preface === 'received') decoder.push(chunk);
          return;
        }
        const r = reader.push(chunk);
        if (r.kind === 'need-more') return;
        if (r.kind === 'ok') {
          this.preface = 'received';
          if (r.rest.length > 0) decoder.push(r.rest);
        } else if (r.kind === 'json') {
          this.preface = 'json';
          this.problem = 'the server answered in JSON mode';
          handlers.onMessage(r.value); // e.g. "server busy": the client records it, then the server closes
          this.destroy(new Error(this.problem));
        } else {
          this.preface = 'invalid';
          this.problem = r.reason;
          this.destroy(new Error(r.reason));
        }
      };
    }
    // A throwing handler is a bug above us: fail this connection, not the process.
    const guarded = (chunk: Buffer): void => {
      this.received += chunk.length;
      try {
        feed(chunk);
      } catch (err) {
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      }
      const release = this.shm?.takeRelease();
      if (release !== undefined) this.writer.writeControl(release, true);
    };
    const initial = this.options.initial;
    if (initial !== undefined && initial.length > 0) guarded(initial);
    this.socket.on('data', guarded);
    this.socket.on('end', () => {
      if (!this.open) return;
      if (decoder.bufferedBytes > 0) {
        handlers.onFrameError({ kind: 'parse', message: `the peer ended the stream inside a frame (${decoder.bufferedBytes} bytes of it received)` });
      }
      handlers.onPeerEnd?.();
    });
    this.startReading();
  }

  limitIncoming(bytes: number): void {
    this.incomingLimit = Math.min(bytes, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    this.decoder?.setMaxFrameBytes(this.incomingLimit);
  }

  send(message: object | PreparedMessage, priority: MessagePriority = 'reply'): SendOutcome {
    if (!this.isOpen) return 'closed';
    // a message that cannot be encoded throws ERR_ENCODE (binary-codec.ts); nothing is sent then
    if (message instanceof PreparedMessage) return this.writer.writeFrame(message.encoded('binary', encodeMessageFrame), priority);
    return this.writer.writeMessage(message, priority);
  }

  sendCall(id: number | undefined, method: string, params: unknown, priority: MessagePriority = 'reply'): SendOutcome {
    if (params === undefined) return this.send(id === undefined ? notificationMessage(method) : requestMessage(id, method), priority);
    if (!this.isOpen) return 'closed';
    return this.writer.writeCall(id, method, params, priority);
  }

  /** Stops reading requests from a peer that does not read its replies; resumes once it does. */
  private applyPressure(): void {
    if (this.writerOver) this.socket.pause();
    else if (this.open) this.socket.resume();
  }
}
