/**
 * Backpressure for one-way sends through sidewire's client. `Client.notify()` returns nothing: it
 * queues the message in sidewire's coalescing writer, which writes once per event-loop turn
 * (`setImmediate`). A loop that never yields would therefore queue every message in memory before
 * the first byte is written. So every `yieldBytes` queued, the sender yields one turn (the batch
 * is written) and then waits for the socket's `drain` when its buffer is full, which is what the
 * raw clients do after each 64 KiB batch.
 */
import type { Socket } from 'node:net';
import { DrainWaiter } from '../../lib/drain.js';

export class YieldingBackpressure {
  private readonly drain: DrainWaiter;
  private queued = 0;
  private yielding: Promise<void> | undefined;

  /**
   * @param socket the client's socket
   * @param yieldBytes bytes queued between two yields (default 64 KiB, the raw clients' batch size)
   */
  constructor(
    socket: Socket,
    private readonly yieldBytes = 64 * 1024,
  ) {
    this.drain = new DrainWaiter(socket);
  }

  /** Counts `bytes` just queued; a promise when the caller must wait before sending more. */
  queuedBytes(bytes: number): Promise<void> | undefined {
    this.queued += bytes;
    if (this.queued < this.yieldBytes) return undefined;
    this.queued = 0;
    this.yielding ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.yielding = undefined;
      await this.drain.check();
    });
    return this.yielding;
  }
}
