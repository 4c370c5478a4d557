/**
 * JSON mode's coalesced, bounded writes to a socket: the encoded lines queued in one event-loop
 * turn (requests and replies: in one synchronous run, see BatchWriter.schedule) go out with one
 * `socket.write` (joined into one string), or as soon as 64 KiB are queued,
 * or 2 KiB when requests or replies are among them, so a burst of sends reaches the socket, and
 * its `drain` backpressure, without waiting for the turn to end. The high-water mark, the
 * slow-consumer policy and the pressure signal are BatchWriter's (batch-writer.ts).
 */
import type { Socket } from 'node:net';
import { BATCH_BYTES, BatchWriter, EARLY_FLUSH_BYTES, type BatchWriterOptions } from '../batch-writer.js';
import type { MessagePriority, SendOutcome } from '../message-stream.js';

/** Options of a SocketWriter (see BatchWriterOptions). */
export type SocketWriterOptions = BatchWriterOptions;

export class SocketWriter extends BatchWriter {
  private pending: Array<string | Buffer> = [];
  private pendingBytes = 0;

  constructor(socket: Socket, options: SocketWriterOptions = {}) {
    super(socket, options);
  }

  protected get batchedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Queues one encoded message, written at the end of the turn, or at once when 64 KiB are
   * queued, or (`urgent`: requests and replies) when 2 KiB are.
   */
  write(chunk: string | Buffer, priority: MessagePriority = 'reply', urgent = priority === 'reply'): SendOutcome {
    if (!this.canWrite()) return 'closed';
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const refused = this.refused(priority, size);
    if (refused !== undefined) return refused;
    this.pending.push(chunk);
    this.pendingBytes += size;
    this.countSent(size);
    if (this.pendingBytes >= BATCH_BYTES || (urgent && this.pendingBytes >= EARLY_FLUSH_BYTES)) {
      this.writeOut(); // a full batch goes out now; a scheduled flush finds the rest
    } else {
      this.schedule(urgent);
    }
    this.checkPressure();
    return 'queued';
  }

  /** Writes everything queued now. */
  flush(): void {
    this.flushed();
    this.writeOut();
  }

  private writeOut(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.socket.destroyed) return;
    const data = chunks.length === 1 ? chunks[0]! : joinChunks(chunks);
    this.socket.write(data);
    this.checkPressure();
  }
}

function joinChunks(chunks: ReadonlyArray<string | Buffer>): string | Buffer {
  if (chunks.every((c) => typeof c === 'string')) return (chunks as string[]).join('');
  return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}
