/**
 * Calls and notifications made while a client is not ready (connecting or reconnecting) wait
 * here, in order. The queue is bounded (ERR_QUEUE_FULL) and every entry has a deadline
 * (ERR_TIMEOUT), so nothing waits forever; the client drains it once ready, or rejects
 * everything when it fails or closes.
 */
import { ConnectionError, createError } from '../errors.js';
import type { TimerHandle, Timers } from '../util/timers.js';

export interface QueueOptions {
  /**
   * Calls and notifications that may wait while the client is not ready; the next one fails
   * with ERR_QUEUE_FULL.
   * @default 1000
   */
  readonly maxSize?: number;
  /**
   * How long a call may wait in the queue before it fails with ERR_TIMEOUT (the call's own
   * `timeoutMs`, counted from the call, applies as well: whichever ends first). 0 = only the
   * call's own timeout.
   * @default 10000
   */
  readonly timeoutMs?: number;
}

export const DEFAULT_QUEUE = { maxSize: 1000, timeoutMs: 10_000 } as const;

/** A call waiting to be sent. */
export interface PendingCall {
  readonly kind: 'call';
  readonly method: string;
  readonly params: unknown;
  /** The call's total timeout (0 = none), counted from `startedAt`. */
  readonly timeoutMs: number;
  readonly startedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly idempotent: boolean;
  /** True once it was re-sent after a lost connection (idempotent calls are retried once). */
  retried: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A plain (not durable) notification waiting to be sent; dropped at its deadline. */
export interface PendingNotification {
  readonly kind: 'notify';
  readonly method: string;
  readonly params: unknown;
}

export type QueueEntry = PendingCall | PendingNotification;

interface Slot {
  readonly entry: QueueEntry;
  timer: TimerHandle | undefined;
  onAbort: (() => void) | undefined;
}

export class CallQueue {
  private readonly slots: Slot[] = [];
  private readonly maxSize: number;
  private readonly timeoutMs: number;
  private readonly timers: Timers;
  private readonly where: () => string;
  private dropped = 0;

  /** `where()` describes the connection for messages, e.g. `unix:///run/x.sock (reconnecting)`. */
  constructor(options: QueueOptions, timers: Timers, where: () => string) {
    this.maxSize = options.maxSize ?? DEFAULT_QUEUE.maxSize;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUEUE.timeoutMs;
    this.timers = timers;
    this.where = where;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Notifications dropped at their deadline or when the client failed or closed. */
  get droppedNotifications(): number {
    return this.dropped;
  }

  /**
   * Queues an entry (at the front for a retry). A call that does not fit is rejected with
   * ERR_QUEUE_FULL; for a notification the error is returned for the caller to throw.
   */
  add(entry: QueueEntry, front = false): ConnectionError | undefined {
    if (this.slots.length >= this.maxSize) {
      const err = this.fullError(entry.method);
      if (entry.kind === 'call') entry.reject(err);
      return err;
    }
    const slot: Slot = { entry, timer: undefined, onAbort: undefined };
    const wait = this.waitLimit(entry);
    if (wait !== undefined) {
      slot.timer = this.timers.setTimeout(() => this.expire(slot, wait), Math.max(0, wait));
    }
    if (entry.kind === 'call' && entry.signal !== undefined) {
      const signal = entry.signal;
      slot.onAbort = () => {
        if (this.remove(slot)) entry.reject(signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
      };
      signal.addEventListener('abort', slot.onAbort, { once: true });
    }
    if (front) this.slots.unshift(slot);
    else this.slots.push(slot);
    return undefined;
  }

  /** Removes and returns every entry, in order (their deadlines stop). */
  drain(): QueueEntry[] {
    const out = this.slots.splice(0);
    for (const slot of out) this.release(slot);
    return out.map((s) => s.entry);
  }

  /** Rejects every waiting call with `make(method)` and drops every notification. */
  rejectAll(make: (method: string) => Error): void {
    for (const entry of this.drain()) {
      if (entry.kind === 'call') entry.reject(make(entry.method));
      else this.dropped++;
    }
  }

  /** ms this entry may wait, or undefined for no limit. */
  private waitLimit(entry: QueueEntry): number | undefined {
    const limits: number[] = [];
    if (this.timeoutMs > 0) limits.push(this.timeoutMs);
    if (entry.kind === 'call' && entry.timeoutMs > 0) limits.push(entry.timeoutMs - (this.timers.now() - entry.startedAt));
    return limits.length === 0 ? undefined : Math.min(...limits);
  }

  private expire(slot: Slot, waitedMs: number): void {
    slot.timer = undefined;
    if (!this.remove(slot)) return;
    const { entry } = slot;
    if (entry.kind === 'notify') {
      this.dropped++;
      return;
    }
    entry.reject(
      createError('ERR_TIMEOUT', `call '${entry.method}' waited ${Math.round(waitedMs)} ms for the connection to ${this.where()} and was not sent`, {
        fixes: [
          'check that the server is running (`sidewire doctor`); the client reconnects on its own once it is',
          `wait longer: raise queue.timeoutMs (now ${this.timeoutMs}) or this call's timeoutMs`,
        ],
        details: { method: entry.method, waitedMs: Math.round(waitedMs) },
      }),
    );
  }

  private remove(slot: Slot): boolean {
    const i = this.slots.indexOf(slot);
    if (i === -1) return false;
    this.slots.splice(i, 1);
    this.release(slot);
    return true;
  }

  private release(slot: Slot): void {
    if (slot.timer !== undefined) this.timers.clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.onAbort !== undefined && slot.entry.kind === 'call') slot.entry.signal?.removeEventListener('abort', slot.onAbort);
    slot.onAbort = undefined;
  }

  private fullError(method: string): ConnectionError {
    return createError('ERR_QUEUE_FULL', `cannot queue '${method}': ${this.slots.length} calls already wait for the connection to ${this.where()} (limit ${this.maxSize})`, {
      fixes: [
        'check that the server is running (`sidewire doctor`); queued calls go out once the client is ready again',
        `make fewer calls while disconnected (watch client.status()), or raise queue.maxSize (now ${this.maxSize})`,
      ],
      details: { method, limit: this.maxSize },
    });
  }
}
