/**
 * Sends on one zeromq.js socket, one at a time: zeromq.js refuses a send while another is
 * pending (EBUSY), and replies of concurrent requests (ROUTER) and events (PUB) arrive at any
 * moment. The queue is bounded (`maxQueued`): beyond it the oldest message is dropped and
 * counted, so a socket that cannot send fast enough never grows memory without bound.
 */
import type { ZmqFrames, ZmqSocket } from './load-zeromq.js';

export class SendQueue {
  private readonly queue: ZmqFrames[] = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** Messages dropped: the queue was full, or the socket refused them (closed, peer gone). */
  dropped = 0;

  constructor(
    private readonly socket: ZmqSocket,
    private readonly maxQueued: number,
  ) {}

  /** Messages waiting. */
  get size(): number {
    return this.queue.length + (this.draining ? 1 : 0);
  }

  /** Queues `frames`; drops the oldest waiting message when the queue is full. */
  push(frames: ZmqFrames): void {
    if (this.queue.length >= this.maxQueued) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(frames);
    if (!this.draining) void this.drain();
  }

  /** Resolves once nothing is waiting. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        if (this.socket.closed) {
          this.dropped += 1 + this.queue.length;
          this.queue.length = 0;
          break;
        }
        try {
          await this.socket.send(next);
        } catch {
          this.dropped++; // closed meanwhile, or a ROUTER peer that is gone
        }
      }
    } finally {
      this.draining = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
