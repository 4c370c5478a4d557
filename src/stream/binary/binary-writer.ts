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
 *
 * With a shared-memory side channel in use (`shm`, docs/shared-memory.md), a frame of at least
 * `shm.minFrameBytes` has its payload copied into the ring and a 12-byte indirect frame takes its
 * place in the batch (written at once). When the ring has no room, frames wait in order (every
 * frame after them too) until the peer releases some; waiting frames count in `bufferedBytes` but
 * not in the pressure that pauses reading (releases arrive by reading); more than a ring's worth
 * waiting, and `end()`, write them over the socket as above.
 */
import type { Socket } from 'node:net';
import { INDIRECT_FRAME_BYTES, writeIndirectFrame } from '../../framing/control-frames.js';
import { createError } from '../../errors.js';
import { MsgpackEncoder } from '../../framing/msgpack-encoder.js';
import { encodeCallInto, encodeFrameInto, FRAME_HEADER_BYTES, frameParts, ZERO_COPY_MIN_BYTES } from './binary-codec.js';
import type { SharedMemoryLink } from './shm-link.js';
import { BATCH_BYTES, BatchWriter, EARLY_FLUSH_BYTES, type BatchWriterOptions } from '../batch-writer.js';
import type { MessagePriority, SendOutcome } from '../message-stream.js';

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
  /** The connection's shared-memory side channel, set by the stream when it has one. */
  shm: SharedMemoryLink | undefined;
  /** Frames waiting for room in the ring, oldest first, with the frames sent after them (`viaRing` false). */
  private waiting: Array<{ readonly parts: Buffer[]; readonly size: number; readonly viaRing: boolean }> = [];
  private waitingBytes = 0;

  constructor(socket: Socket, options: BinaryWriterOptions = {}) {
    super(socket, options);
    this.encoder.zeroCopyMinBytes = ZERO_COPY_MIN_BYTES;
    this.encoder.minGrowBytes = SLAB_BYTES;
  }

  protected get batchedBytes(): number {
    return this.used - this.start + this.waitingBytes;
  }

  protected override get pressureBytes(): number {
    return this.bufferedBytes - this.waitingBytes;
  }

  /**
   * Encodes `message` as a frame and batches it (or writes it now when it is large, or when a
   * `reply` priority message finds EARLY_FLUSH_BYTES batched).
   * @throws SidewireError ERR_ENCODE when the message cannot be encoded (nothing is sent then)
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
   * @throws SidewireError ERR_ENCODE when `params` cannot be encoded (nothing is sent then)
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
    if (this.encoding) throw reentrantSend();
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
    this.countSent(size);
    if (this.takesRing(size) && this.sendViaRing(frameParts(encoder), size, encoder.base)) {
      // sent (or waiting) through the ring
    } else if (encoder.holeAt.length > 0) {
      this.writeWithHoles(frameParts(encoder) as Buffer[], encoder.pos);
    } else {
      this.used = encoder.pos;
      if (size >= LARGE_FRAME_BYTES || (urgent && this.used - this.start >= EARLY_FLUSH_BYTES)) this.flush();
      else this.schedule(urgent);
    }
    this.checkPressure();
    return 'queued';
  }

  /** Batches an already encoded frame (e.g. a message published to many connections). */
  writeFrame(frame: Buffer, priority: MessagePriority = 'reply'): SendOutcome {
    if (!this.canWrite()) return 'closed';
    if (this.encoding) throw reentrantSend();
    const refused = this.refused(priority, frame.length);
    if (refused !== undefined) return refused;
    this.countSent(frame.length);
    if (this.takesRing(frame.length) && this.sendViaRing(frame, frame.length, -1)) {
      // sent (or waiting) through the ring
    } else if (frame.length >= LARGE_FRAME_BYTES) {
      const batched = this.used > this.start;
      if (batched) this.socket.cork();
      this.flush();
      this.socket.write(frame);
      if (batched) this.socket.uncork();
    } else {
      this.batch(frame);
      this.schedule();
    }
    this.checkPressure();
    return 'queued';
  }

  /** Batches a control frame of the side channel (a release), written at the end of the turn or, with `now`, at once. */
  writeControl(frame: Buffer, now = false): void {
    if (!this.canWrite()) return;
    this.batch(frame);
    if (now) this.flush();
    else this.schedule();
  }

  /** Copies small `bytes` into the batch. */
  private batch(bytes: Buffer): void {
    if (this.slab !== null && this.slab.length - this.used < bytes.length) this.flush();
    const slab = this.slab !== null && this.slab.length - this.used >= bytes.length ? this.slab : this.newSlab();
    bytes.copy(slab, this.used);
    this.used += bytes.length;
  }

  /** Ends the socket after writing the frames that wait for ring room over it (nothing is lost). */
  override end(): void {
    if (!this.ending) this.spill();
    super.end();
  }

  /** Writes every waiting frame over the socket, in order. */
  private spill(): void {
    for (const w of this.waiting) this.writeParts(w.parts);
    this.waiting = [];
    this.waitingBytes = 0;
  }

  /** The peer released ring regions: the frames waiting for room go out, in order, as far as it has. */
  ringReleased(): void {
    let i = 0;
    for (; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      if (w.viaRing) {
        const offset = this.putInRing(w.parts, w.size);
        if (offset < 0) break;
        this.writeIndirect(offset, w.size, -1);
      } else {
        this.writeParts(w.parts);
      }
      this.waitingBytes -= w.size;
    }
    if (i === 0) return;
    this.waiting.splice(0, i);
    this.flush();
    this.checkPressure();
  }

  /** A frame of `size` bytes goes through the ring: it is big enough, or frames wait there already. */
  private takesRing(size: number): boolean {
    const shm = this.shm;
    return shm !== undefined && shm.active && (this.waiting.length > 0 || shm.carries(size));
  }

  /**
   * Sends a frame of `size` bytes (`frame`: header first, whole or as the pieces around its holes)
   * through the ring: copied in and announced by an indirect frame (which takes the frame's place
   * in the slab when it was encoded there at `slabStart`), or, while the ring has no room, kept in
   * order with the frames after it until the peer releases some (what lives in our buffers is
   * copied); more than a ring's worth of waiting frames go over the socket instead. False when
   * the ring turned out unusable (then the caller writes the frame over the socket).
   */
  private sendViaRing(frame: Buffer | Buffer[], size: number, slabStart: number): boolean {
    const shm = this.shm!;
    const viaRing = shm.carries(size);
    if (this.waiting.length === 0 && viaRing) {
      const offset = this.putInRing(frame, size);
      if (offset >= 0) {
        this.writeIndirect(offset, size, slabStart);
        this.flush();
        return true;
      }
    }
    if (!shm.active) {
      this.spill(); // the ring could not be mapped: the waiting frames, then this one, go over the socket
      return false;
    }
    shm.waited();
    const inSlab = slabStart >= 0;
    const parts = Array.isArray(frame) ? frame.map((p, i) => (inSlab && i % 2 === 0 ? Buffer.from(p) : p)) : [inSlab ? Buffer.from(frame) : frame];
    this.waiting.push({ parts, size, viaRing });
    this.waitingBytes += size;
    if (inSlab) this.used = slabStart; // the frame leaves the slab
    // A sender that outruns its peer by more than a ring's worth: the socket takes the rest (in
    // order), so the socket's own backpressure (writableNeedDrain, 'drain') shows it.
    if (this.waitingBytes > shm.capacity) this.spill();
    return true;
  }

  /** Copies a frame's payload (its pieces after the header) into the ring: the offset, or -1 without room. */
  private putInRing(frame: Buffer | readonly Buffer[], size: number): number {
    const parts = Array.isArray(frame) ? frame.slice() : [frame as Buffer];
    parts[0] = parts[0]!.subarray(FRAME_HEADER_BYTES); // the first piece always holds the header and more
    return this.shm!.put(parts, size - FRAME_HEADER_BYTES);
  }

  /** Batches the indirect frame for a payload at `offset`: in the slab at `slabStart` (where its frame was), or appended. */
  private writeIndirect(offset: number, size: number, slabStart: number): void {
    if (slabStart >= 0) {
      writeIndirectFrame(this.slab!, slabStart, offset, size - FRAME_HEADER_BYTES);
      this.used = slabStart + INDIRECT_FRAME_BYTES;
    } else {
      const indirect = Buffer.allocUnsafe(INDIRECT_FRAME_BYTES);
      writeIndirectFrame(indirect, 0, offset, size - FRAME_HEADER_BYTES);
      this.batch(indirect);
    }
  }

  /** Writes what is batched, then a whole frame's pieces, as one corked write. */
  private writeParts(parts: readonly Buffer[]): void {
    this.socket.cork();
    this.flush();
    if (!this.socket.destroyed) for (const part of parts) this.socket.write(part);
    this.socket.uncork();
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

/** `ERR_ENCODE` for a send from inside the encoding of another message on the same connection. */
function reentrantSend(): Error {
  return createError('ERR_ENCODE', 'cannot send a message while another one is being encoded on the same connection (from a getter or toJSON-like code inside a message?)', {
    fixes: ['send from outside the values of a message: no sends from getters or toJSON'],
  });
}
