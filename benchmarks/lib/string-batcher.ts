/**
 * Batched string writes ("the Node ceiling for JSON"): lines are appended to one string and written
 * with a single `socket.write` per microtask, or as soon as the batch reaches `maxBytes`.
 */
import type { Socket } from 'node:net';

export class StringBatcher {
  private batch = '';
  private scheduled = false;
  private readonly flushNow = (): void => this.flush();

  /**
   * @param socket where batches go
   * @param maxBytes flush as soon as the batch holds this many characters (default 64 KiB)
   */
  constructor(
    private readonly socket: Socket,
    private readonly maxBytes = 64 * 1024,
  ) {}

  /** Appends `text` (one or more complete lines). */
  push(text: string): void {
    this.batch += text;
    if (this.batch.length >= this.maxBytes) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** Writes the pending batch now. */
  flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const text = this.batch;
    this.batch = '';
    this.socket.write(text);
  }
}
