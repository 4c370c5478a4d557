/**
 * A raw JSON-lines socket for the clients that must misbehave (never read, send garbage, vanish):
 * no sidewire client code in the way, so the server sees exactly these bytes.
 */
import * as net from 'node:net';

/** The socket path of a `unix://` endpoint. */
export function socketPath(endpoint: string): string {
  if (!endpoint.startsWith('unix://')) throw new Error(`stress raw clients need a unix:// endpoint, got ${endpoint}`);
  return endpoint.slice('unix://'.length);
}

export class RawSocket {
  readonly socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private waiters: Array<(line: string | undefined) => void> = [];
  private ended = false;
  private readonly closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.deliver(line);
      }
    });
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        if (this.buffer !== '') this.deliver(this.buffer);
        this.buffer = '';
        for (const w of this.waiters.splice(0)) w(undefined);
        resolve();
      });
    });
  }

  /** Connects, retrying EAGAIN (full backlog) a few times. */
  static connect(endpoint: string, attempts = 50): Promise<RawSocket> {
    const path = socketPath(endpoint);
    return new Promise((resolve, reject) => {
      const attempt = (n: number): void => {
        const s = net.connect(path);
        s.once('connect', () => {
          s.removeAllListeners('error');
          resolve(new RawSocket(s));
        });
        s.once('error', (err: NodeJS.ErrnoException) => {
          s.destroy();
          if (err.code === 'EAGAIN' && n < attempts) setTimeout(() => attempt(n + 1), 10 * n).unref();
          else reject(err);
        });
      };
      attempt(1);
    });
  }

  /** True once the connection closed. */
  get closed(): boolean {
    return this.ended;
  }

  /** Resolves when the connection closed. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  private deliver(line: string): void {
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }

  /** Writes raw bytes or a string; resolves once handed to the OS (waits for 'drain'). */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new Error('socket closed'));
        return;
      }
      if (this.socket.write(data)) resolve();
      else {
        const onDrain = (): void => {
          this.socket.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          this.socket.off('drain', onDrain);
          reject(new Error('socket closed while writing'));
        };
        this.socket.once('drain', onDrain);
        this.socket.once('close', onClose);
      }
    });
  }

  /** Writes one JSON value as a line. */
  send(value: unknown): Promise<void> {
    return this.write(JSON.stringify(value) + '\n');
  }

  /** The next line; undefined when the connection closed; rejects after `timeoutMs`. */
  nextLine(timeoutMs: number): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string | undefined): void => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(waiter);
    });
  }

  /** The next line parsed as JSON (undefined when closed). */
  async next(timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const line = await this.nextLine(timeoutMs);
    return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
  }

  /** Sends a request and returns the next message. */
  async request(id: number | string, method: string, params?: unknown, timeoutMs = 10_000): Promise<Record<string, unknown> | undefined> {
    await this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.next(timeoutMs);
  }

  /** Stops reading from the socket for good (a client that never reads). */
  stopReading(): void {
    this.socket.removeAllListeners('data');
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Closes with a TCP-style reset where supported (abrupt vanish), else destroys. */
  reset(): void {
    const s = this.socket as net.Socket & { resetAndDestroy?: () => void };
    if (typeof s.resetAndDestroy === 'function') {
      try {
        s.resetAndDestroy();
        return;
      } catch {
        // not a TCP socket
      }
    }
    s.destroy();
  }
}
