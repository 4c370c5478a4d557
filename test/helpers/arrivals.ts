/**
 * What a test client received (lines, frames), taken one at a time: `next()` gives the oldest item
 * not yet taken, waits for one when none is there, and gives undefined once the connection ended
 * and everything was taken. A wait longer than its timeout rejects (a test never hangs on it).
 */
export class Arrivals<T> {
  private readonly items: T[] = [];
  private waiters: Array<(item: T | undefined) => void> = [];
  private ended = false;

  /** @param what the name of an item in the timeout error, e.g. `line` */
  constructor(private readonly what: string) {}

  /** True once `end()` was called. */
  /** Items received and not taken yet. */
  get pending(): number {
    return this.items.length;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** An item arrived. */
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  }

  /** The connection ended: waiting `next()` calls get undefined. */
  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** The next item, or undefined when the connection ended first; rejects after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${this.what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (item: T | undefined): void => {
        clearTimeout(timer);
        resolve(item);
      };
      this.waiters.push(waiter);
    });
  }
}

/** Resolves when `socket` closes (at once when `closed`); rejects after `timeoutMs`. */
export function socketClosed(socket: { once(event: 'close', fn: () => void): unknown }, closed: boolean, timeoutMs = 5000): Promise<void> {
  if (closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * What the raw test clients (JSON lines, binary frames) share: a socket, what arrived on it, and
 * one-request-at-a-time helpers on top of the subclass's `send` and `next`.
 */
export abstract class RawPeer<T> {
  protected readonly arrived: Arrivals<T>;

  constructor(
    readonly socket: { destroy(): void; once(event: 'close', fn: () => void): unknown },
    what: string,
  ) {
    this.arrived = new Arrivals<T>(what);
  }

  /** Sends one message. */
  abstract send(value: unknown): void;

  /** The next message (throws when the connection closed first). */
  abstract next(timeoutMs?: number): Promise<unknown>;

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.arrived.isEnded;
  }

  /** Sends a request and returns the next message (tests keep one request in flight). */
  request(method: string, params?: unknown, id: string | number = 1): ReturnType<this['next']> {
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.next() as ReturnType<this['next']>;
  }

  /** Resolves when the server closed the connection (rejects after `timeoutMs`). */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return socketClosed(this.socket, this.arrived.isEnded, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
