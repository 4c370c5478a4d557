/**
 * The JSON-RPC batches of one connection (docs/protocol.md "Batches"), in every wire mode.
 *
 * - A batch longer than `limits.maxBatchLength` (before a token endpoint's `$/hello`: longer than
 *   UNAUTHENTICATED_MAX_BATCH_LENGTH) is answered with one -32600 (id null, `data.limit`) and
 *   nothing in it runs. An empty batch is one -32600 too.
 * - An accepted batch runs BATCH_SLICE elements per event-loop turn (`setImmediate` between
 *   slices), so other connections are served while it runs, and is answered with one array of
 *   its responses in element order (notifications have none; no array when none is left).
 * - A connection's batches run one at a time, in arrival order; while one runs, at most
 *   `maxBatchLength` elements of later batches may wait, and a batch beyond that gets one -32005.
 *   This bounds the parsed-but-not-run elements a connection holds to twice `maxBatchLength`.
 *
 * Each element's reply is kept as it is (a reply, a promise of one, or nothing): only the
 * elements that are still running are awaited, instead of a promise per element.
 */
import { errorMessage, type ResponseMessage } from '../protocol/message.js';
import { ErrorCodes } from '../protocol/response-error.js';

/** Batch elements run per event-loop turn. */
export const BATCH_SLICE = 64;

/** Batch length limit while a token endpoint has not seen a valid `$/hello` on this connection. */
export const UNAUTHENTICATED_MAX_BATCH_LENGTH = 8;

/** What handling one element gives: its reply, a promise of it, or nothing (a notification). */
export type ElementReply = ResponseMessage | Promise<ResponseMessage | undefined> | undefined;

/** What the batch runner needs from its connection. */
export interface BatchHost {
  /** Handles one element exactly as a message on its own. */
  handleOne(value: unknown): ElementReply;
  /** `limits.maxBatchLength`. */
  maxBatchLength(): number;
  /** False on a token endpoint until a `$/hello` with the right token. */
  authenticated(): boolean;
  /** False once the connection is closed: what is left of its batches is dropped unanswered. */
  isOpen(): boolean;
  /** Handling an element threw (a bug above the protocol): the connection is failed. */
  fail(err: unknown): void;
}

interface Job {
  readonly elements: readonly unknown[];
  /** The next element to run. */
  next: number;
  readonly replies: ElementReply[];
  /** Indexes in `replies` of the promises (handlers still running at the end of their slice). */
  readonly running: number[];
  resolve(out: ResponseMessage[] | undefined): void;
}

export class BatchRunner {
  private readonly host: BatchHost;
  /** The batch running (first) and those waiting for it. */
  private queue: Job[] = [];
  /** Elements of the waiting batches (not of the running one). */
  private waiting = 0;
  private scheduled = false;
  private readonly step = (): void => {
    this.scheduled = false;
    this.work();
  };

  constructor(host: BatchHost) {
    this.host = host;
  }

  /**
   * Runs a batch: one error reply when it is refused, else a promise of its array of responses
   * (undefined when it has none). The first slice runs now when no other batch is running.
   */
  run(batch: readonly unknown[]): ResponseMessage | Promise<ResponseMessage[] | undefined> {
    if (batch.length === 0) return errorMessage(null, { code: ErrorCodes.InvalidRequest, message: 'invalid request: empty batch' });
    const max = this.host.maxBatchLength();
    if (!this.host.authenticated()) {
      const limit = Math.min(max, UNAUTHENTICATED_MAX_BATCH_LENGTH);
      if (batch.length > limit) {
        return refused(ErrorCodes.InvalidRequest, `invalid request: a batch of ${batch.length} elements before $/hello; at most ${limit} until the connection is authenticated`, limit);
      }
    } else if (batch.length > max) {
      return refused(ErrorCodes.InvalidRequest, `invalid request: a batch of ${batch.length} elements; at most ${max} (limits.maxBatchLength)`, max);
    }
    if (this.queue.length > 0 && this.waiting + batch.length > max) {
      return refused(ErrorCodes.Busy, `server busy: ${this.waiting} elements of earlier batches wait on this connection (limit ${max})`, max);
    }
    return new Promise((resolve) => {
      const job: Job = { elements: batch, next: 0, replies: [], running: [], resolve };
      this.queue.push(job);
      if (this.queue.length === 1) this.work();
      else this.waiting += batch.length;
    });
  }

  /** Runs one slice of the first batch; schedules the next slice while any batch is left. */
  private work(): void {
    const job = this.queue[0];
    if (job === undefined) return;
    if (!this.host.isOpen()) {
      this.dropAll();
      return;
    }
    try {
      const end = Math.min(job.next + BATCH_SLICE, job.elements.length);
      while (job.next < end) {
        const reply = this.host.handleOne(job.elements[job.next++]);
        if (reply instanceof Promise) job.running.push(job.replies.length);
        if (reply !== undefined) job.replies.push(reply);
      }
    } catch (err) {
      this.dropAll();
      this.host.fail(err);
      return;
    }
    if (job.next === job.elements.length) {
      this.queue.shift();
      const following = this.queue[0];
      if (following !== undefined) this.waiting -= following.elements.length;
      this.finish(job);
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.step);
    }
  }

  /** Resolves a batch whose elements all ran: at once, or once its running handlers are done. */
  private finish(job: Job): void {
    if (job.running.length === 0) {
      job.resolve(responses(job.replies as Array<ResponseMessage | undefined>));
      return;
    }
    const replies = job.replies;
    Promise.all(job.running.map((i) => replies[i])).then(
      (settled) => {
        for (let k = 0; k < settled.length; k++) replies[job.running[k]!] = settled[k];
        job.resolve(responses(replies as Array<ResponseMessage | undefined>));
      },
      (err: unknown) => {
        job.resolve(undefined);
        this.host.fail(err);
      },
    );
  }

  /** The connection is gone (or failed): nothing more runs and nothing is answered. */
  private dropAll(): void {
    const jobs = this.queue;
    this.queue = [];
    this.waiting = 0;
    for (const job of jobs) job.resolve(undefined);
  }
}

function responses(replies: Array<ResponseMessage | undefined>): ResponseMessage[] | undefined {
  const out = replies.filter((r): r is ResponseMessage => r !== undefined);
  return out.length > 0 ? out : undefined;
}

function refused(code: number, message: string, limit: number): ResponseMessage {
  return errorMessage(null, { code, message, data: { limit } });
}
