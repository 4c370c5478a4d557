/**
 * The outgoing side of a binary-mode stream: frames are encoded straight into a batch Buffer
 * (a 64 KiB slab, never a concat of small Buffers), and everything encoded in one event-loop turn
 * goes out with one `socket.write` of a view of the slab. The next frames go into the rest of the
 * same slab (the written part is never touched again); a full slab is written at once and a new
 * one started.
 *
 * Same contract as JSON mode's SocketWriter (BatchWriter, batch-writer.ts): the high-water mark
 * and slow-consumer policy, `onPressure`, the traffic meter, requests and replies written once
 * 2 KiB are batched (notifications and events at the end of the turn).
 *
 * A frame holding large binary values (>= 64 KiB each, see binary-codec.ts) is written right away,
 * after what is batched, as one corked write of the slab pieces and the values themselves (not
 * copied). A frame that is large by itself (>= 64 KiB) is also written right away.
 */
import type { Socket } from 'node:net';
import { MsgpackEncoder } from '../framing/msgpack-encoder.js';
import { encodeCallInto, encodeFrameInto, frameParts, ZERO_COPY_MIN_BYTES } from './binary-codec.js';
import { BATCH_BYTES, BatchWriter, EARLY_FLUSH_BYTES, type BatchWriterOptions } from './batch-writer.js';
import type { MessagePriority, SendOutcome } from './message-stream.js';

/** Size of a batch slab. */
const SLAB_BYTES = 64 * 1024;
/** A slab with less room than this left after a flush is let go (the next frame starts a new one). */
const MIN_ROOM = 1024;
/** Frames at least this big are written at once instead of waiting for the end of the turn. */
const LARGE_FRAME_BYTES = BATCH_BYTES;

/** Options of a BinaryWriter (see BatchWriterOptions). */
export type BinaryWriterOptions = BatchWriterOptions;

export class BinaryWriter extends BatchWriter {
  private readonly encoder = new MsgpackEncoder();
  /** The batch: `slab[start, used)` is encoded and not yet written. */
  private slab: Buffer | null = null;
  private start = 0;
  private used = 0;
  /** True while a message is being encoded into the slab (user getters run then). */
  private encoding = false;

  constructor(socket: Socket, options: BinaryWriterOptions = {}) {
    super(socket, options);
    this.encoder.zeroCopyMinBytes = ZERO_COPY_MIN_BYTES;
    this.encoder.minGrowBytes = SLAB_BYTES;
  }

  protected get batchedBytes(): number {
    return this.used - this.start;
  }

  /**
   * Encodes `message` as a frame and batches it (or writes it now when it is large, or when a
   * `reply` priority message finds EARLY_FLUSH_BYTES batched).
   * @throws TypeError when the message cannot be encoded (nothing is sent then)
   */
  writeMessage(message: unknown, priority: MessagePriority = 'reply'): SendOutcome {
    const slab = this.beginFrame();
    if (slab === null) return 'closed';
    try {
      encodeFrameInto(this.encoder, slab, this.used, message);
    } catch (err) {
      this.adopt(); // keeps what was batched before this frame; drops the partial frame
      throw err;
    } finally {
      this.encoding = false;
    }
    return this.endFrame(priority, priority === 'reply');
  }

  /**
   * Encodes the request `{ jsonrpc, id, method, params }` (or, without `id`, the notification) as
   * a frame without building the message object: the same bytes as `writeMessage` of it.
   * `params` must not be undefined.
   * @throws TypeError when `params` cannot be encoded (nothing is sent then)
   */
  writeCall(id: number | undefined, method: string, params: unknown, priority: MessagePriority = 'reply'): SendOutcome {
    const slab = this.beginFrame();
    if (slab === null) return 'closed';
    try {
      encodeCallInto(this.encoder, slab, this.used, id, method, params);
    } catch (err) {
      this.adopt();
      throw err;
    } finally {
      this.encoding = false;
    }
    return this.endFrame(priority, id !== undefined);
  }

  /** Before encoding a frame into the slab at `used`: the slab, or null when the socket is done. Sets `encoding`. */
  private beginFrame(): Buffer | null {
    if (!this.canWrite()) return null;
    if (this.encoding) throw new TypeError('cannot send a message while another one is being encoded on the same connection (from a getter or toJSON-like code inside a message?)');
    // Nearly full: write the batch now, so the next frames can go at the start of the same slab
    // (when the OS took it all) instead of into a new one that the encoder would allocate.
    if (this.slab !== null && this.slab.length - this.used < MIN_ROOM) this.flush();
    const slab = this.slab ?? this.newSlab();
    this.encoding = true;
    return slab;
  }

  /**
   * After a frame was encoded: batches it, writes it now (large, with holes, or `urgent` — a
   * request or reply — once EARLY_FLUSH_BYTES are batched) or drops it (event over the limit).
   */
  private endFrame(priority: MessagePriority, urgent: boolean): SendOutcome {
    const encoder = this.encoder;
    const size = encoder.pos - encoder.base + encoder.holeBytes;
    const refused = this.refused(priority, size);
    this.adopt();
    if (refused !== undefined) return refused;
    this.meter?.sent(size);
    if (encoder.holeAt.length > 0) {
      this.writeWithHoles(frameParts(encoder) as Buffer[], encoder.pos);
    } else {
      this.used = encoder.pos;
      if (size >= LARGE_FRAME_BYTES || (urgent && this.used - this.start >= EARLY_FLUSH_BYTES)) this.flush();
      else this.schedule();
    }
    this.checkPressure();
    return 'queued';
  }

  /** Batches an already encoded frame (e.g. a message published to many connections). */
  writeFrame(frame: Buffer, priority: MessagePriority = 'reply'): SendOutcome {
    if (!this.canWrite()) return 'closed';
    if (this.encoding) throw new TypeError('cannot send a message while another one is being encoded on the same connection');
    const refused = this.refused(priority, frame.length);
    if (refused !== undefined) return refused;
    this.meter?.sent(frame.length);
    if (frame.length >= LARGE_FRAME_BYTES) {
      const batched = this.used > this.start;
      if (batched) this.socket.cork();
      this.flush();
      this.socket.write(frame);
      if (batched) this.socket.uncork();
    } else {
      if (this.slab !== null && this.slab.length - this.used < frame.length) this.flush();
      const slab = this.slab !== null && this.slab.length - this.used >= frame.length ? this.slab : this.newSlab();
      frame.copy(slab, this.used);
      this.used += frame.length;
      this.schedule();
    }
    this.checkPressure();
    return 'queued';
  }

  /** Writes everything batched now. */
  flush(): void {
    this.flushed();
    const slab = this.slab;
    if (slab === null) return;
    if (this.used > this.start && !this.socket.destroyed) this.socket.write(slab.subarray(this.start, this.used));
    this.recycle(slab, this.used);
    this.checkPressure();
  }

  /** A new slab to batch into. */
  private newSlab(): Buffer {
    this.start = this.used = 0;
    return (this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES));
  }

  /**
   * After the slab was written up to `end`: when the OS has taken every byte (the usual case on a
   * local socket: the write completed synchronously), the slab is reused from its start, so a busy
   * connection keeps writing from one warm 64 KiB Buffer instead of allocating a new one per
   * batch (page faults and garbage). Otherwise the batch goes on after `end`, or in a new slab
   * when little room is left.
   */
  private recycle(slab: Buffer, end: number): void {
    if (slab.length > SLAB_BYTES) {
      this.slab = null; // a one-off big Buffer made for a large frame
    } else if (this.socket.writableLength === 0 && !this.socket.writableCorked) {
      this.start = this.used = 0;
    } else {
      this.start = this.used = end;
      if (slab.length - end < MIN_ROOM) this.slab = null;
    }
  }

  /**
   * After an encode: when the frame did not fit and the encoder moved it to a bigger Buffer, the
   * batch so far is written first and that Buffer becomes the slab (holding the frame from 0).
   */
  private adopt(): void {
    const buf = this.encoder.buf;
    if (buf === this.slab) return;
    this.flush();
    this.slab = buf;
    this.start = this.used = 0;
  }

  /**
   * Writes the batch, then the frame that ends at `frameEnd` in the slab as `parts` (views of the
   * slab around the holes, and the hole values), as one corked write; the slab goes on after it.
   */
  private writeWithHoles(parts: readonly Buffer[], frameEnd: number): void {
    this.socket.cork();
    this.flush(); // the batch before the frame (`used` is still the frame's start)
    if (!this.socket.destroyed) for (const part of parts) this.socket.write(part);
    this.socket.uncork();
    const slab = this.slab;
    if (slab !== null) this.recycle(slab, frameEnd);
  }
}
