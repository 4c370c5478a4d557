/**
 * The few zeromq (v6) types the benchmark uses, declared here so the root type check does not need
 * benchmarks/node_modules.
 */
import { importPeer } from '../../lib/peer-import.js';

export interface ZmqSocket {
  send(message: Buffer[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  readonly closed: boolean;
  sendHighWaterMark: number;
  receiveHighWaterMark: number;
  sendTimeout: number;
  receiveTimeout: number;
  linger: number;
}

export interface ZmqRouter extends ZmqSocket {
  bind(address: string): Promise<void>;
}

export interface ZmqDealer extends ZmqSocket {
  connect(address: string): void;
}

export interface Zmq {
  Router: new () => ZmqRouter;
  Dealer: new () => ZmqDealer;
}

export async function loadZmq(): Promise<Zmq> {
  return (await importPeer('zeromq')) as Zmq;
}

/**
 * How long one blocking `send`/`receive` may wait before it is retried. zeromq.js 6.8 can miss the
 * edge of libzmq's edge-triggered `ZMQ_FD` when one process floods a socket: the waiting call then
 * never wakes although messages are queued (one-way runs hung in about 1 of 3 runs, the receiver
 * stopped at e.g. 569,999 of 1,020,000). A retry checks `ZMQ_EVENTS` again and carries on; a
 * stall costs at most this long, and without a missed edge the timeout never fires.
 */
export const STALL_RETRY_MS = 20;

/** Sets the retry timeouts on a fresh socket (see {@link STALL_RETRY_MS}). */
export function guardStalls<T extends ZmqSocket>(socket: T): T {
  socket.sendTimeout = STALL_RETRY_MS;
  socket.receiveTimeout = STALL_RETRY_MS;
  return socket;
}

function isTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EAGAIN';
}

/** Every message of `socket` until it is closed, retrying receives that timed out. */
export async function* messages(socket: ZmqSocket): AsyncGenerator<Buffer[]> {
  while (!socket.closed) {
    let message: Buffer[];
    try {
      message = await socket.receive();
    } catch (err) {
      if (socket.closed) return;
      if (isTimeout(err)) continue;
      throw err;
    }
    yield message;
  }
}

/** Sends `message`, retrying while the send times out (a full queue or a missed wake-up). */
async function sendRetrying(socket: ZmqSocket, message: Buffer[]): Promise<void> {
  for (;;) {
    try {
      await socket.send(message);
      return;
    } catch (err) {
      if (!isTimeout(err) || socket.closed) throw err;
    }
  }
}

/** The zeromq spelling of a unix socket path. */
export function zmqAddress(socketPath: string): string {
  return `ipc://${socketPath}`;
}

/** Header part of every message: `u8 type, u32be id` (same types as raw-lp). */
export function header(type: number, id: number): Buffer {
  const buf = Buffer.allocUnsafe(5);
  buf[0] = type;
  buf.writeUInt32BE(id, 1);
  return buf;
}

/**
 * zeromq allows one pending `send` per socket: this queue serialises sends from concurrent callers.
 * `push` returns a promise when the queue is long (backpressure), else undefined.
 */
export class SendQueue {
  private queue: Buffer[][] = [];
  private head = 0;
  private running = false;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private failure: Error | undefined;

  /**
   * @param socket the zeromq socket
   * @param limit queue length above which `push` asks the caller to wait (default 1000)
   */
  constructor(
    private readonly socket: ZmqSocket,
    private readonly limit = 1000,
  ) {}

  push(message: Buffer[]): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    this.queue.push(message);
    if (!this.running) void this.pump();
    if (this.queue.length - this.head < this.limit) return undefined;
    if (this.idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.head < this.queue.length) {
        const message = this.queue[this.head++] as Buffer[];
        await sendRetrying(this.socket, message);
        if (this.head >= 4096) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        if (this.idle && this.queue.length - this.head < this.limit / 2) {
          this.idle.resolve();
          this.idle = undefined;
        }
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.running = false;
      this.idle?.resolve();
      this.idle = undefined;
    }
  }
}
