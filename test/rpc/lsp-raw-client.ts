/**
 * A raw LSP-framing test client: writes `Content-Length` framed messages (or any bytes), and reads
 * the server's messages, decoding what arrives by hand (header, then exactly that many bytes), so
 * tests see the exact wire.
 */
import * as net from 'node:net';
import { RawPeer } from '../helpers/arrivals.js';
import type { Json } from './rpc-harness.js';

/** `Content-Length: N\r\n\r\n` + the JSON of `value` (strings are sent as the body as they are). */
export function lspFrame(value: unknown, extraHeaders = ''): Buffer {
  const body = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n${extraHeaders}\r\n`), body]);
}

export class LspRawClient extends RawPeer<Json> {
  declare readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  /** Every byte received, for the tests that check the framing itself. */
  received = Buffer.alloc(0);

  private constructor(socket: net.Socket) {
    super(socket, 'LSP message');
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end === -1) break;
        const match = /^Content-Length: (\d+)$/m.exec(this.buffer.toString('latin1', 0, end));
        if (match === null) throw new Error(`bad header from the server: ${this.buffer.toString('latin1', 0, end)}`);
        const length = Number(match[1]);
        if (this.buffer.length < end + 4 + length) break;
        this.arrived.push(JSON.parse(this.buffer.toString('utf8', end + 4, end + 4 + length)));
        this.buffer = this.buffer.subarray(end + 4 + length);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.arrived.end());
  }

  static connect(socketPath: string): Promise<LspRawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath, () => resolve(new LspRawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends one framed message (a Buffer is written as it is). */
  send(value: unknown): void {
    this.socket.write(Buffer.isBuffer(value) ? value : lspFrame(value));
  }

  /** The next message; throws when the connection closed first. */
  async next(timeoutMs = 5000): Promise<Json> {
    const m = await this.arrived.next(timeoutMs);
    if (m === undefined) throw new Error('connection closed before a reply');
    return m;
  }

  /** The next message, or undefined when the connection closed. */
  nextOrEnd(timeoutMs = 5000): Promise<Json | undefined> {
    return this.arrived.next(timeoutMs);
  }
}
