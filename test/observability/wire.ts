/**
 * Test helpers for the wired-observability tests: an HTTP GET with a hard timeout, and a line
 * client over a real socket that counts every byte it writes and reads, so tests can compare
 * the server's byte counters with what really crossed the wire.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { Arrivals, socketClosed } from '../helpers/arrivals.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Where an HTTP request goes: a base URL (`http://127.0.0.1:PORT`) or a unix socket path. */
export type HttpTarget = { readonly url: string } | { readonly socketPath: string };

/** One GET (no keep-alive) that rejects after 5 s. */
export function httpGet(target: HttpTarget, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    let where: http.RequestOptions;
    if ('url' in target) {
      const u = new URL(target.url);
      where = { host: u.hostname, port: Number(u.port) };
    } else {
      where = { socketPath: target.socketPath };
    }
    const req = http.request({ ...where, path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** A line-based client that counts the bytes it wrote and read. */
export class CountingClient {
  readonly socket: net.Socket;
  bytesWritten = 0;
  bytesRead = 0;
  private buffer = '';
  private readonly arrived = new Arrivals<string>('line');

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      this.buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        this.arrived.push(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.buffer !== '') this.arrived.push(this.buffer);
      this.buffer = '';
      this.arrived.end();
    });
  }

  /** Connects to a unix socket path or a TCP port on 127.0.0.1. */
  static connect(to: { readonly path: string } | { readonly port: number }): Promise<CountingClient> {
    return new Promise((resolve, reject) => {
      const s = 'path' in to ? net.connect(to.path) : net.connect(to.port, '127.0.0.1');
      s.once('connect', () => resolve(new CountingClient(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.arrived.isEnded;
  }

  /** Writes raw text (a string is written as is; other values as one JSON line). */
  send(value: unknown): void {
    const text = typeof value === 'string' ? value : `${JSON.stringify(value)}\n`;
    this.bytesWritten += Buffer.byteLength(text);
    this.socket.write(text);
  }

  /** The next line (undefined once closed); rejects after `timeoutMs`. */
  nextLine(timeoutMs = 5000): Promise<string | undefined> {
    return this.arrived.next(timeoutMs);
  }

  /** The next line as JSON. */
  async next(timeoutMs = 5000): Promise<{ id?: unknown; result?: unknown; error?: { code: number; message: string } }> {
    const line = await this.nextLine(timeoutMs);
    if (line === undefined) throw new Error('connection closed before a reply');
    return JSON.parse(line) as { id?: unknown; result?: unknown; error?: { code: number; message: string } };
  }

  /** Sends a request and returns the next message. */
  request(method: string, params?: unknown, id: string | number = 1): ReturnType<CountingClient['next']> {
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.next();
  }

  /** Resolves once the server closed the connection. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return socketClosed(this.socket, this.arrived.isEnded, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Polls `check` every 10 ms until it is true; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
