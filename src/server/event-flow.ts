/**
 * The server's side of backpressure on events (docs/protocol.md "Backpressure"): after an event
 * was queued for a connection, that connection is *backed up* while its buffered outgoing bytes
 * are at or above `limits.backpressureBytes` (default 1 MiB, never above `highWaterMarkBytes`,
 * where the slow-consumer policy starts dropping). `notify()` then returns false (queued, slow
 * down), `publish()`/`broadcast()` count it in `server.backedUp`, and the server emits
 * 'drain' (clientId) once that connection fell below the mark again. `drained()` waits for one
 * connection, or for all of them.
 */
import type { Connection } from './connection.js';

export class EventFlow {
  private readonly mark: number;
  private readonly emitDrain: (clientId: string) => void;
  /** Connections reported backed up and not drained since. */
  private readonly backed = new Map<string, Connection>();
  /** `drained()` promises per connection. */
  private readonly waiters = new Map<string, Array<() => void>>();

  constructor(mark: number, emitDrain: (clientId: string) => void) {
    this.mark = mark;
    this.emitDrain = emitDrain;
  }

  /** Connections reported backed up (by a false `notify()` or a `publish()`/`broadcast()`) and not yet drained. */
  get backedUp(): number {
    return this.backed.size;
  }

  /** After an event was queued for `conn`: true when below the mark, else false (and 'drain' is armed). */
  afterSend(conn: Connection): boolean {
    if (conn.stream.bufferedBytes < this.mark) return true;
    if (!this.backed.has(conn.clientId)) {
      this.backed.set(conn.clientId, conn);
      this.arm(conn);
    }
    return false;
  }

  /** Resolves once `conn` is below the mark or gone (at once when it is). */
  drained(conn: Connection | undefined): Promise<void> {
    if (conn === undefined || !conn.stream.isOpen || conn.stream.bufferedBytes < this.mark) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const list = this.waiters.get(conn.clientId);
      if (list === undefined) this.waiters.set(conn.clientId, [resolve]);
      else list.push(resolve);
      this.arm(conn);
    });
  }

  /** Resolves once every connection reported backed up has drained or gone. */
  allDrained(): Promise<void> {
    return Promise.all([...this.backed.values()].map((c) => this.drained(c))).then(() => undefined);
  }

  /** `clientId` disconnected: its waiters resolve (nothing is left to wait for), no 'drain' follows. */
  closed(clientId: string): void {
    this.backed.delete(clientId);
    this.settle(clientId);
  }

  private arm(conn: Connection): void {
    conn.stream.whenBelow(this.mark - 1, () => queueMicrotask(() => this.below(conn)));
  }

  private below(conn: Connection): void {
    if (!conn.stream.isOpen) return; // `closed` settles it
    if (conn.stream.bufferedBytes >= this.mark) {
      this.arm(conn);
      return;
    }
    this.settle(conn.clientId);
    if (this.backed.delete(conn.clientId)) this.emitDrain(conn.clientId);
  }

  private settle(clientId: string): void {
    const list = this.waiters.get(clientId);
    if (list === undefined) return;
    this.waiters.delete(clientId);
    for (const resolve of list) resolve();
  }
}
