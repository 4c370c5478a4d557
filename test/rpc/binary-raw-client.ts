/**
 * A raw binary-mode test client: writes the preface and frames by hand, and records exactly what
 * the server sends (its preface, every frame's size, the decoded messages), so tests see the wire.
 */
import * as net from 'node:net';
import { BINARY_PREFACE, LengthPrefixDecoder, encodeFrame } from '../../src/framing/length-prefix.js';
import { decodeMsgpack, encodeMsgpack } from '../../src/framing/msgpack.js';
import { connectTransport } from '../../src/transport/connect.js';
import type { Json } from './rpc-harness.js';
import { RawPeer } from '../helpers/arrivals.js';

/** One frame received: its payload length on the wire and its decoded value. */
export interface ReceivedFrame {
  readonly payloadBytes: number;
  readonly value: Json;
}

export interface BinaryRawOptions {
  /**
   * Bytes written first; `false` writes nothing (the test sends its own).
   * @default BINARY_PREFACE
   */
  readonly preface?: Buffer | false;
}

export class BinaryRawClient extends RawPeer<ReceivedFrame> {
  declare readonly socket: net.Socket;
  /** The first 4 bytes the server sent (its preface), once received. */
  serverPreface: Buffer | undefined;
  /** Every byte received, in order. */
  readonly raw: Buffer[] = [];
  private pending = Buffer.alloc(0);
  private readonly decoder: LengthPrefixDecoder;

  private constructor(socket: net.Socket) {
    super(socket, 'frame');
    this.decoder = new LengthPrefixDecoder({
      maxFrameBytes: 0xffff_ffff,
      onFrame: (payload) => {
        const decoded = decodeMsgpack(Buffer.from(payload));
        this.arrived.push({ payloadBytes: payload.length, value: decoded.ok ? decoded.value : { undecodable: decoded.error.message } });
      },
      onError: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.arrived.end());
  }

  /**
   * Connects to a socket path, an abstract name (`\0name`, connected as sidewire connects it:
   * its exact length where possible) or to `{ host, port }` (TCP).
   */
  static async connect(target: string | net.NetConnectOpts, options: BinaryRawOptions = {}): Promise<BinaryRawClient> {
    const start = (s: net.Socket): BinaryRawClient => {
      const c = new BinaryRawClient(s);
      const preface = options.preface ?? BINARY_PREFACE;
      if (preface !== false) s.write(preface);
      return c;
    };
    if (typeof target === 'string' && target.startsWith('\0')) return start(await connectTransport({ kind: 'abstract', name: target.slice(1) }));
    return new Promise((resolve, reject) => {
      const s = net.connect(typeof target === 'string' ? { path: target } : target, () => resolve(start(s)));
      s.once('error', reject);
    });
  }

  /** Everything received so far, concatenated. */
  get received(): Buffer {
    return Buffer.concat(this.raw);
  }

  private onData(chunk: Buffer): void {
    this.raw.push(chunk);
    if (this.serverPreface === undefined) {
      this.pending = Buffer.concat([this.pending, chunk]);
      if (this.pending.length < 4) return;
      this.serverPreface = this.pending.subarray(0, 4);
      chunk = this.pending.subarray(4);
      this.pending = Buffer.alloc(0);
    }
    this.decoder.push(chunk);
  }

  /** Sends one message as a frame. */
  send(value: unknown): void {
    this.socket.write(encodeFrame(encodeMsgpack(value)));
  }

  /** Sends raw bytes. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next frame, or undefined when the connection closed first; rejects after `timeoutMs`. */
  nextFrame(timeoutMs = 5000): Promise<ReceivedFrame | undefined> {
    return this.arrived.next(timeoutMs);
  }

  /** The next decoded message (throws when the connection closed first). */
  async next(timeoutMs = 5000): Promise<Json> {
    const f = await this.nextFrame(timeoutMs);
    if (f === undefined) throw new Error('connection closed before a frame');
    return f.value;
  }

}
