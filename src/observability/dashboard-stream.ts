/**
 * `GET /events` of the dashboard: Server-Sent Events, one JSON object per `data:` line — a
 * snapshot of state, counters, latencies and connections every `intervalMs`, with the tail
 * entries the stream has not had yet. Bounded: a stream whose queued bytes pass
 * `maxStreamBufferBytes` (a stalled browser) is closed, and at most `maxStreams` are open.
 * One unref'd timer serves every stream, and runs only while a stream is open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import type { DashboardSource, ResolvedDashboardOptions } from './dashboard-options.js';

/** One snapshot as sent on `/events` (docs/observability.md "Dashboard"). */
export function dashboardSnapshot(source: DashboardSource, after: number): Record<string, unknown> {
  const tail = source.tail?.since(after) ?? [];
  return {
    type: 'snapshot',
    time: Date.now(),
    state: source.state(),
    uptimeSecs: source.uptimeSecs(),
    version: source.version,
    connections: source.connections(),
    clients: source.clients(),
    metrics: source.metrics(),
    latencies: source.latencies(),
    tail,
  };
}

interface Stream {
  readonly res: ServerResponse;
  lastSeq: number;
}

export class DashboardStreams {
  readonly #streams = new Set<Stream>();
  readonly #source: DashboardSource;
  readonly #options: ResolvedDashboardOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(source: DashboardSource, options: ResolvedDashboardOptions, logger: Logger) {
    this.#source = source;
    this.#options = options;
    this.#logger = logger;
  }

  /** Open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /** Answers `GET /events`. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.#streams.size >= this.#options.maxStreams) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(`too many dashboard streams (maxStreams ${this.#options.maxStreams}): close another dashboard tab\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    req.socket.setNoDelay(true);
    const stream: Stream = { res, lastSeq: 0 };
    this.#streams.add(stream);
    res.on('close', () => this.#remove(stream));
    res.write(`retry: 2000\n\n`);
    this.#send(stream);
    this.#timer ??= setInterval(() => this.#tick(), this.#options.intervalMs).unref();
  }

  /** Closes every stream (the health server is closing). */
  closeAll(): void {
    for (const s of [...this.#streams]) s.res.destroy();
    this.#streams.clear();
    this.#stopTimer();
  }

  #tick(): void {
    for (const s of [...this.#streams]) this.#send(s);
  }

  #send(stream: Stream): void {
    // What is still queued a whole interval after the last write is what the browser did not read:
    // past the limit the stream is closed, so a stalled page costs at most the limit plus one snapshot.
    const queued = stream.res.writableLength;
    if (queued > this.#options.maxStreamBufferBytes) {
      this.#logger.warn({ queuedBytes: queued, maxStreamBufferBytes: this.#options.maxStreamBufferBytes }, 'dashboard stream closed: the browser does not read it (maxStreamBufferBytes passed)');
      this.#remove(stream);
      stream.res.destroy();
      return;
    }
    const snapshot = dashboardSnapshot(this.#source, stream.lastSeq);
    const tail = snapshot['tail'] as { seq: number }[];
    if (tail.length > 0) stream.lastSeq = tail[tail.length - 1]!.seq;
    stream.res.write(`data: ${JSON.stringify(snapshot)}\n\n`);
  }

  #remove(stream: Stream): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
