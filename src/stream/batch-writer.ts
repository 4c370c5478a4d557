/**
 * What JSON mode's SocketWriter and binary mode's BinaryWriter share: coalescing into batches
 * written once per event-loop turn (earlier for full batches; requests and replies at the next
 * microtask checkpoint, see `schedule`), a
 * high-water mark on what is buffered (above it `event` messages are dropped and counted, or the
 * peer is disconnected, per the slow-consumer policy; replies are always written), `onPressure`
 * telling the owner when to stop and resume reading from the peer, and the end of the socket.
 * Subclasses hold the batch itself (strings, or frames encoded into a slab).
 */
import type { Socket } from 'node:net';
import type { MessagePriority, SendOutcome } from './message-stream.js';
import { socketMeter } from '../observability/socket-meter.js';
import type { TrafficMeter } from '../observability/traffic-meter.js';

/** What to do with a peer that does not read its events. */
export type SlowConsumerPolicy = 'drop' | 'disconnect';

export interface BatchWriterOptions {
  /**
   * Buffered bytes (batched here + the socket's) above which the slow-consumer policy applies to events.
   * @default 8388608 (8 MiB)
   */
  readonly highWaterMarkBytes?: number;
  /**
   * `drop`: events over the high-water mark are dropped and counted; `disconnect`: the peer is
   * disconnected. Replies are always written.
   * @default 'drop'
   */
  readonly slowConsumer?: SlowConsumerPolicy;
  /** Called when the buffered bytes cross the high-water mark (`true`) and when they drained (`false`). */
  readonly onPressure?: (over: boolean) => void;
}

/** Default high-water mark: 8 MiB. */
export const DEFAULT_HIGH_WATER_MARK = 8 * 1024 * 1024;

/** Batched bytes that are written at once instead of at the end of the event-loop turn. */
export const BATCH_BYTES = 64 * 1024;

/**
 * Requests and replies are written once this much is batched, without waiting for the end of the
 * turn: the peer starts on the first ones while the rest are being made (both processes work at
 * once instead of in turns). Measured with 64 requests in flight: +30-50 % requests/s over
 * batching whole turns; 1-4 KiB all do about as well, 16 KiB and more lose most of it.
 * Notifications and events wait for the end of the turn (or a full batch): one-way streams stay
 * cheap.
 */
export const EARLY_FLUSH_BYTES = 2048;

export abstract class BatchWriter {
  protected readonly socket: Socket;
  /** Counts sent messages and dropped events when the server has metrics on. */
  protected readonly meter: TrafficMeter | undefined;
  /** `end()` was called: nothing more is written. */
  protected ending = false;
  /** Messages queued for the peer so far (`ClientInfo.messagesOut`). */
  messagesSent = 0;
  private readonly hwm: number;
  private readonly policy: SlowConsumerPolicy;
  private readonly onPressure: ((over: boolean) => void) | undefined;
  /** A flush at the end of the turn (setImmediate) is pending. */
  private scheduled = false;
  /** A flush at the next microtask checkpoint is pending (see `schedule`). */
  private scheduledSoon = false;
  private overHwm = false;
  private dropped = 0;
  /** Called once the buffered bytes are at or below `belowLimit` (see `whenBelow`). */
  private belowWaiter: (() => void) | undefined;
  private belowLimit = 0;
  private readonly flushLater = (): void => {
    if (this.scheduled) this.flush();
  };
  private readonly flushSoon = (): void => {
    if (this.scheduledSoon) this.flush();
  };

  constructor(socket: Socket, options: BatchWriterOptions) {
    this.socket = socket;
    this.hwm = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK;
    this.policy = options.slowConsumer ?? 'drop';
    this.onPressure = options.onPressure;
    this.meter = socketMeter(socket);
    socket.on('drain', () => this.checkPressure());
  }

  /** One encoded message of `bytes` bytes was queued: counted here and in the meter. */
  protected countSent(bytes: number): void {
    this.messagesSent += 1;
    this.meter?.sent(bytes);
  }

  /** Bytes batched here, not yet handed to the socket. */
  protected abstract get batchedBytes(): number;

  /** Writes everything batched now. */
  abstract flush(): void;

  /** Bytes batched here plus bytes the socket has not yet handed to the OS. */
  get bufferedBytes(): number {
    return this.batchedBytes + this.socket.writableLength;
  }

  /** Events dropped so far. */
  get droppedEvents(): number {
    return this.dropped;
  }

  /**
   * Calls `callback` once the buffered bytes are at or below `limit`: checked whenever they may
   * have fallen (the socket's 'drain', a flush, ring room released), never synchronously here.
   * One waiter at a time: a new call replaces the previous one; `undefined` removes it.
   */
  whenBelow(limit: number, callback: (() => void) | undefined): void {
    this.belowLimit = limit;
    this.belowWaiter = callback;
  }

  /** Flushes and ends the socket. Idempotent. */
  end(): void {
    if (this.ending) return;
    this.flush();
    this.ending = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  protected canWrite(): boolean {
    return !this.ending && !this.socket.destroyed && this.socket.writable;
  }

  /**
   * For a message of `size` bytes: undefined when it may be written, else what became of it — an
   * event over the high-water mark is dropped (and counted), or its peer disconnected.
   */
  protected refused(priority: MessagePriority, size: number): SendOutcome | undefined {
    if (priority !== 'event' || this.bufferedBytes + size <= this.hwm) return undefined;
    if (this.policy === 'disconnect') {
      this.socket.destroy(new Error(`slow consumer: more than ${this.hwm} bytes buffered`));
      return 'closed';
    }
    this.dropped++;
    this.meter?.eventDropped();
    return 'dropped';
  }

  /**
   * Schedules one flush of what is batched. `urgent` (a request or a reply: somebody waits for
   * it) flushes at the next microtask checkpoint, once the code that queued it has run to its
   * end: the requests or replies made in one synchronous run still go out as one write, and a
   * lone round trip does not wait for the event loop to come round (an end-of-turn flush cost
   * every round trip one loop phase in each process: p50 4-7 % over the raw `node:net` baseline,
   * which flushes per microtask; docs/benchmarks.md "Tails"). Notifications and events wait for
   * the end of the turn (setImmediate): a producer that awaits between sends still has its
   * messages coalesced, so one-way streams stay cheap.
   */
  protected schedule(urgent = false): void {
    if (urgent) {
      if (this.scheduledSoon) return;
      this.scheduledSoon = true;
      queueMicrotask(this.flushSoon);
      return;
    }
    if (this.scheduled || this.scheduledSoon) return;
    this.scheduled = true;
    setImmediate(this.flushLater);
  }

  /** Called by `flush()`: the scheduled flushes, if any, have nothing left to do. */
  protected flushed(): void {
    this.scheduled = false;
    this.scheduledSoon = false;
  }

  /**
   * Buffered bytes that reading less from the peer helps drain: all of them, except what waits for
   * the peer to release shared-ring room (releases arrive by reading).
   */
  protected get pressureBytes(): number {
    return this.bufferedBytes;
  }

  /** Tells the owner when the buffered bytes crossed the high-water mark, either way. */
  protected checkPressure(): void {
    if (this.belowWaiter !== undefined && this.bufferedBytes <= this.belowLimit) {
      const callback = this.belowWaiter;
      this.belowWaiter = undefined;
      callback();
    }
    const over = this.pressureBytes > this.hwm;
    if (over !== this.overHwm) {
      this.overHwm = over;
      this.onPressure?.(over);
    }
  }
}
