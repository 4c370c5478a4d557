/**
 * A client's connection state as a tagged union (`status.state`), and a feed that hands every
 * change to async iterators (`for await (const s of client.status())`) with bounded buffers.
 */
import type { ErrorCode } from '../errors.js';

/** Why the client is not connected: the code and message of the error that caused it. */
export interface StatusReason {
  /** A stable code such as `ERR_CONNECTION_LOST`, `ERR_NOT_RUNNING`, `ERR_HANDSHAKE`. */
  readonly code: string;
  readonly message: string;
}

export type ClientStatus =
  /** Created, `open()` not called yet. */
  | { readonly state: 'idle'; readonly at: number }
  /** A connection attempt (connect + `$/hello`) is running. `attempt` 0 is the first connect. */
  | { readonly state: 'connecting'; readonly at: number; readonly attempt: number }
  /** Connected and said hello; calls go straight out. */
  | {
      readonly state: 'ready';
      readonly at: number;
      readonly endpoint: string;
      readonly clientId: string;
      /** The clientId of the previous connection, after a reconnect. */
      readonly previousClientId: string | undefined;
      /** Reconnections so far. */
      readonly reconnects: number;
    }
  /** Not connected; attempt `attempt` (1-based) starts in `delayMs`. Calls wait in the queue. */
  | {
      readonly state: 'reconnecting';
      readonly at: number;
      readonly attempt: number;
      /** `Infinity` when unlimited. */
      readonly maxAttempts: number;
      readonly delayMs: number;
      readonly reason: StatusReason;
    }
  /** Closed for good: `closed` by `close()`, `lost` when the connection dropped and reconnecting is off. */
  | { readonly state: 'closed'; readonly at: number; readonly reason: 'closed' | 'lost'; readonly error?: StatusReason }
  /** Gave up after `attempts` attempts (or a configuration error); `reason` is the last error. */
  | { readonly state: 'failed'; readonly at: number; readonly attempts: number; readonly reason: StatusReason };

export type ClientStateName = ClientStatus['state'];

/** True for `closed` and `failed`: nothing follows. */
export function isTerminal(status: ClientStatus): boolean {
  return status.state === 'closed' || status.state === 'failed';
}

/** The code of an error that has none of its own (docs/errors.md). */
const UNEXPECTED: ErrorCode = 'ERR_UNEXPECTED';

/** The code and message of any error, for a status. */
export function reasonOf(err: unknown): StatusReason {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    const message = (err as { message?: unknown }).message;
    return { code: typeof code === 'string' ? code : typeof code === 'number' ? String(code) : UNEXPECTED, message: typeof message === 'string' ? message : String(err) };
  }
  return { code: UNEXPECTED, message: String(err) };
}

interface Subscriber {
  readonly buffer: ClientStatus[];
  wake: ((r: IteratorResult<ClientStatus>) => void) | undefined;
  done: boolean;
}

/**
 * Fans status changes out to iterators. Each iterator first gets the current status, then every
 * change; when it falls more than `bufferSize` behind, the oldest unread entries are dropped (the
 * latest state always arrives). Iteration ends after a terminal status.
 */
export class StatusFeed {
  private current: ClientStatus;
  private readonly subscribers = new Set<Subscriber>();
  private readonly bufferSize: number;

  constructor(initial: ClientStatus, bufferSize = 32) {
    this.current = initial;
    this.bufferSize = Math.max(1, bufferSize);
  }

  get value(): ClientStatus {
    return this.current;
  }

  /** Records a new status and hands it to every iterator. */
  push(status: ClientStatus): void {
    this.current = status;
    for (const sub of this.subscribers) {
      if (sub.wake !== undefined) {
        const wake = sub.wake;
        sub.wake = undefined;
        wake({ value: status, done: false });
      } else {
        sub.buffer.push(status);
        if (sub.buffer.length > this.bufferSize) sub.buffer.shift();
      }
    }
  }

  /** A new iterator starting at the current status. */
  iterate(): AsyncIterableIterator<ClientStatus> {
    const sub: Subscriber = { buffer: [this.current], wake: undefined, done: false };
    this.subscribers.add(sub);
    const finish = (): IteratorResult<ClientStatus> => {
      sub.done = true;
      sub.buffer.length = 0;
      this.subscribers.delete(sub);
      const wake = sub.wake;
      sub.wake = undefined;
      wake?.({ value: undefined, done: true });
      return { value: undefined, done: true };
    };
    let sawTerminal = false;
    const iterator: AsyncIterableIterator<ClientStatus> = {
      next: () => {
        if (sub.done || sawTerminal) return Promise.resolve(finish());
        const queued = sub.buffer.shift();
        if (queued !== undefined) {
          if (isTerminal(queued)) {
            sawTerminal = true;
            this.subscribers.delete(sub);
          }
          return Promise.resolve({ value: queued, done: false });
        }
        return new Promise<IteratorResult<ClientStatus>>((resolve) => {
          sub.wake = (r) => {
            if (!r.done && isTerminal(r.value)) {
              sawTerminal = true;
              this.subscribers.delete(sub);
            }
            resolve(r);
          };
        });
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
