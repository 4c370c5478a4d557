/**
 * Backpressure helper: one shared promise per "wait for drain" cycle of a writable socket.
 */
import type { Socket } from 'node:net';

export class DrainWaiter {
  private waiting: Promise<void> | undefined;

  constructor(private readonly socket: Socket) {}

  /** A promise when the socket's buffer is over its high-water mark, else undefined. */
  check(): Promise<void> | undefined {
    if (!this.socket.writableNeedDrain) return undefined;
    if (this.waiting === undefined) {
      this.waiting = new Promise<void>((resolve, reject) => {
        const done = (err?: Error): void => {
          this.socket.off('drain', onDrain);
          this.socket.off('close', onClose);
          this.waiting = undefined;
          if (err) reject(err);
          else resolve();
        };
        const onDrain = (): void => done();
        const onClose = (): void => done(new Error('socket closed while waiting for drain'));
        this.socket.on('drain', onDrain);
        this.socket.on('close', onClose);
      });
    }
    return this.waiting;
  }
}
