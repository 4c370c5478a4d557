/**
 * Coalesced, bounded writes to a socket. Everything queued in one event-loop turn goes out with
 * one `socket.write`, or as soon as 64 KiB are queued (like the binary writer's slab), so a burst
 * of sends reaches the socket, and its `drain` backpressure, without waiting for the turn to end.
 * Memory is bounded by a high-water mark: above it, `event` messages are
 * dropped (and counted) or the peer is disconnected, per the slow-consumer policy, and the owner
 * is told to stop reading from the peer until the socket drains.
 */
import type { Socket } from 'node:net';
import type { MessagePriority, SendOutcome } from './message-stream.js';
import { socketMeter } from '../observability/socket-meter.js';
import type { TrafficMeter } from '../observability/traffic-meter.js';

/** What to do with a peer that does not read its events. */
export type SlowConsumerPolicy = 'drop' | 'disconnect';

export interface SocketWriterOptions {
  /**
   * Buffered bytes (ours + the socket's) above which the slow-consumer policy applies to events.
   * @default 8388608 (8 MiB)
   */
  readonly highWaterMarkBytes?: number;
  /**
   * `drop`: events over the high-water mark are dropped and counted; `disconnect`: the peer is
   * disconnected. Replies are always written.
   * @default 'drop'
   */
  readonly slowConsumer?: SlowConsumerPolicy;
  /** Called when the buffer crosses the high-water mark (`true`) and when it drained (`false`). */
  readonly onPressure?: (over: boolean) => void;
}

/** Queued bytes that are written at once instead of at the end of the event-loop turn. */
const BATCH_BYTES = 64 * 1024;
/**
 * Requests and replies (`urgent` writes) go out once this much is batched instead of at the end of
 * the turn, so the peer works on the first ones while the rest are made (see binary-writer.ts).
 */
const EARLY_FLUSH_BYTES = 2048;

/** Default high-water mark: 8 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 8 * 1024 * 1024;

export class SocketWriter {
  private readonly socket: Socket;
  private readonly hwm: number;
  private readonly policy: SlowConsumerPolicy;
  private readonly onPressure: ((over: boolean) => void) | undefined;
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;
  private scheduled = false;
  private overHwm = false;
  private ending = false;
  private dropped = 0;
  /** Counts sent messages and dropped events when the server has metrics on. */
  private readonly meter: TrafficMeter | undefined;

  constructor(socket: Socket, options: SocketWriterOptions = {}) {
    this.socket = socket;
    this.hwm = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK;
    this.policy = options.slowConsumer ?? 'drop';
    this.onPressure = options.onPressure;
    this.meter = socketMeter(socket);
    socket.on('drain', () => this.checkPressure());
  }

  /** Bytes queued here plus bytes the socket has not yet handed to the OS. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.socket.writableLength;
  }

  /** Events dropped so far. */
  get droppedEvents(): number {
    return this.dropped;
  }

  /**
   * Queues one encoded message, written at the end of the turn, or at once when 64 KiB are
   * queued, or (`urgent`: requests and replies) when 2 KiB are.
   */
  write(chunk: string | Buffer, priority: MessagePriority = 'reply', urgent = priority === 'reply'): SendOutcome {
    if (this.ending || this.socket.destroyed || !this.socket.writable) return 'closed';
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (priority === 'event' && this.bufferedBytes + size > this.hwm) {
      if (this.policy === 'disconnect') {
        this.socket.destroy(new Error(`slow consumer: more than ${this.hwm} bytes buffered`));
        return 'closed';
      }
      this.dropped++;
      this.meter?.eventDropped();
      return 'dropped';
    }
    this.pending.push(chunk);
    this.pendingBytes += size;
    this.meter?.sent(size);
    if (this.pendingBytes >= BATCH_BYTES || (urgent && this.pendingBytes >= EARLY_FLUSH_BYTES)) {
      this.writeOut(); // a full batch goes out now; a scheduled flush finds the rest
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    this.checkPressure();
    return 'queued';
  }

  /** Writes everything queued now. */
  flush(): void {
    this.scheduled = false;
    this.writeOut();
  }

  private writeOut(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.socket.destroyed) return;
    const data = chunks.length === 1 ? chunks[0]! : joinChunks(chunks);
    this.socket.write(data);
    this.checkPressure();
  }

  /** Flushes and ends the socket. Idempotent. */
  end(): void {
    if (this.ending) return;
    this.flush();
    this.ending = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  private checkPressure(): void {
    const over = this.bufferedBytes > this.hwm;
    if (over !== this.overHwm) {
      this.overHwm = over;
      this.onPressure?.(over);
    }
  }
}

function joinChunks(chunks: ReadonlyArray<string | Buffer>): string | Buffer {
  if (chunks.every((c) => typeof c === 'string')) return (chunks as string[]).join('');
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}
