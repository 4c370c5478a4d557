/**
 * The timeouts of calls in flight without one timer per call (a client session's pending calls;
 * a server connection's requests waiting for an asynchronous handler). Calls that share a
 * timeout length (nearly all: the client's `callTimeoutMs`, the server's `requestTimeoutMs`) go into one lane, a FIFO of
 * (id, deadline) in two number arrays: a later call has a later deadline, so the lane's first
 * live entry is the next to expire and the lane needs one timer, armed for that entry.
 *
 * Why: a call with a timeout used to arm a timer when sent and clear it when answered, and took a
 * slower path with four closures for it. Now a timed call takes the same path as an untimed one
 * plus two numbers appended to a lane: benchmarks/call-timeouts.ts measures ~50 ns per call
 * against ~90 ns for the timer alone (medians, Node 20), and no Timeout object per call.
 *
 * Settled calls are not removed from their lane (that would be a search); they are skipped when
 * they reach its head, and a lane holding many more entries than there are pending calls (one
 * slow call ahead of many fast ones) is compacted, so memory stays proportional to what is pending.
 */
import type { TimerHandle, Timers } from './timers.js';

/** What the deadlines ask their owner; `K` is the key of a call (its id). */
export interface DeadlineHost<K> {
  /** The call is still waiting for its response. */
  isPending(id: K): boolean;
  /** Pending calls in all (for compaction). */
  pendingCount(): number;
  /** Its deadline passed: the owner times the call out. */
  expire(id: K, timeoutMs: number): void;
}

/** Entries a lane may hold beyond twice the pending calls before it is compacted. */
const COMPACT_SLACK = 1024;
/** Lanes kept before the first sweep of lanes whose calls all settled (see `add`). */
const MIN_SWEEP_LANES = 16;
/** Calls that may share one reading of the clock within a synchronous run (see `now()`). */
const CLOCK_REUSE = 64;

class Lane<K> {
  ids: K[] = [];
  deadlines: number[] = [];
  head = 0;
  timer: TimerHandle | undefined;

  constructor(readonly timeoutMs: number) {}

  get length(): number {
    return this.ids.length - this.head;
  }

  /** Drops settled entries at the head (and the consumed part of the arrays once it is half). */
  skipSettled(host: DeadlineHost<K>): void {
    while (this.head < this.ids.length && !host.isPending(this.ids[this.head]!)) this.head++;
    if (this.head === this.ids.length) {
      this.ids = [];
      this.deadlines = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.deadlines = this.deadlines.slice(this.head);
      this.head = 0;
    }
  }

  /** Keeps only the entries of pending calls. */
  compact(host: DeadlineHost<K>): void {
    const ids: K[] = [];
    const deadlines: number[] = [];
    for (let i = this.head; i < this.ids.length; i++) {
      if (host.isPending(this.ids[i]!)) {
        ids.push(this.ids[i]!);
        deadlines.push(this.deadlines[i]!);
      }
    }
    this.ids = ids;
    this.deadlines = deadlines;
    this.head = 0;
  }
}

export class CallDeadlines<K = number> {
  private readonly timers: Timers;
  private readonly host: DeadlineHost<K>;
  private readonly lanes = new Map<number, Lane<K>>();
  /** The lane used last (a Map lookup saved per call). */
  private last: Lane<K> | undefined;
  /** Lanes at which the next sweep runs. */
  private sweepAt = MIN_SWEEP_LANES;
  /** The clock read for the current synchronous run of calls, and how many used it. */
  private clock = 0;
  private clockUses = CLOCK_REUSE;
  private readonly clockStale = (): void => {
    this.clockUses = CLOCK_REUSE;
  };

  constructor(timers: Timers, host: DeadlineHost<K>) {
    this.timers = timers;
    this.host = host;
  }

  /** Entries held, settled ones not yet dropped included (for tests). */
  get size(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.length;
    return n;
  }

  /** Call `id` times out `timeoutMs` (> 0) from now unless it settled by then. */
  add(id: K, timeoutMs: number): void {
    let lane = this.last;
    if (lane === undefined || lane.timeoutMs !== timeoutMs) {
      lane = this.lanes.get(timeoutMs);
      if (lane === undefined) {
        if (this.lanes.size >= this.sweepAt) this.sweep();
        lane = new Lane<K>(timeoutMs);
        this.lanes.set(timeoutMs, lane);
      }
      this.last = lane;
    }
    lane.skipSettled(this.host); // answered in order, as most are: the lane stays as short as what is pending
    if (lane.length > COMPACT_SLACK && lane.length > 2 * this.host.pendingCount() + COMPACT_SLACK) lane.compact(this.host);
    const deadline = this.now() + timeoutMs;
    lane.ids.push(id);
    lane.deadlines.push(deadline);
    if (lane.timer === undefined) this.arm(lane, deadline);
  }

  /**
   * Drops the lanes whose calls all settled, with their timers. Calls with many different
   * timeouts (each the time left of a queued call, say) would otherwise keep a lane and a timer
   * each until their deadline; sweeping when the lanes double keeps them near the pending calls.
   */
  private sweep(): void {
    for (const lane of this.lanes.values()) {
      lane.skipSettled(this.host);
      if (lane.length === 0) this.drop(lane);
    }
    this.sweepAt = Math.max(MIN_SWEEP_LANES, 2 * this.lanes.size);
  }

  /** Forgets an empty lane and its timer. */
  private drop(lane: Lane<K>): void {
    if (lane.timer !== undefined) this.timers.clearTimeout(lane.timer);
    lane.timer = undefined;
    this.lanes.delete(lane.timeoutMs);
    if (lane === this.last) this.last = undefined;
  }

  /** Stops every timer and forgets every deadline (the session closed). */
  clear(): void {
    for (const lane of this.lanes.values()) {
      if (lane.timer !== undefined) this.timers.clearTimeout(lane.timer);
    }
    this.lanes.clear();
    this.last = undefined;
  }

  /**
   * The clock, read once for up to CLOCK_REUSE calls made in one synchronous run (reading it costs
   * about as much as the rest of `add`); read again after every microtask checkpoint, so a
   * deadline is early by at most the time of those few calls.
   */
  private now(): number {
    if (++this.clockUses > CLOCK_REUSE) {
      this.clock = this.timers.now();
      this.clockUses = 1;
      queueMicrotask(this.clockStale);
    }
    return this.clock;
  }

  private arm(lane: Lane<K>, at: number): void {
    // At least 1 ms: a timer may fire a little before the clock shows its deadline.
    const delay = Math.min(Math.max(1, at - this.timers.now()), lane.timeoutMs);
    lane.timer = this.timers.setTimeout(() => this.fire(lane), delay);
  }

  private fire(lane: Lane<K>): void {
    lane.timer = undefined;
    const now = this.timers.now();
    while (lane.head < lane.ids.length && lane.deadlines[lane.head]! <= now) {
      const id = lane.ids[lane.head++]!;
      if (this.host.isPending(id)) this.host.expire(id, lane.timeoutMs);
    }
    lane.skipSettled(this.host);
    if (lane.length > 0) this.arm(lane, lane.deadlines[lane.head]!);
    else this.drop(lane);
  }
}
