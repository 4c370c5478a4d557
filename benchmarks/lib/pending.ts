/**
 * Request-id bookkeeping for the clients that match replies to requests themselves.
 */
export class PendingRequests<T> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: T) => void; reject: (err: Error) => void }>();

  /** A fresh request id and the promise its reply settles. */
  open(): { id: number; reply: Promise<T> } {
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    const reply = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    return { id, reply };
  }

  /** Settles request `id` with its reply (ignored when unknown). */
  settle(id: number, value: T): void {
    const entry = this.waiting.get(id);
    if (entry === undefined) return;
    this.waiting.delete(id);
    entry.resolve(value);
  }

  /** Rejects every open request (connection lost). */
  failAll(err: Error): void {
    for (const entry of this.waiting.values()) entry.reject(err);
    this.waiting.clear();
  }
}
