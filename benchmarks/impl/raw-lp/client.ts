/**
 * Raw `node:net` length-prefixed client with Buffers and batched writes.
 */
import type { Socket } from 'node:net';
import { DrainWaiter } from '../../lib/drain.js';
import { PendingRequests } from '../../lib/pending.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { closeSocket, connectUnix } from '../../lib/unix-socket.js';
import { FrameReader, FrameType, FrameWriter } from './frames.js';

const EMPTY = Buffer.alloc(0);

class LengthPrefixClient implements BenchClient {
  private readonly out: FrameWriter;
  private readonly drain: DrainWaiter;
  private readonly pending = new PendingRequests<Buffer>();

  constructor(private readonly socket: Socket) {
    this.out = new FrameWriter(socket);
    this.drain = new DrainWaiter(socket);
    const reader = new FrameReader((_type, id, payload) => this.pending.settle(id, payload));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('close', () => this.pending.failAll(new Error('connection closed')));
  }

  async request(payload: Payload): Promise<void> {
    const { id, reply } = this.pending.open();
    this.out.push(FrameType.Echo, id, payload.bytes);
    if ((await reply).length !== payload.bytes.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    this.out.push(FrameType.Notify, 0, payload.bytes);
    return this.drain.check();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    this.out.push(FrameType.Blob, 0, bytes);
    return this.drain.check();
  }

  async sync(): Promise<ServerCounters> {
    const { id, reply } = this.pending.open();
    this.out.push(FrameType.Sync, id, EMPTY);
    const counters = await reply;
    return { notifications: counters.readDoubleBE(0), blobBytes: counters.readDoubleBE(8) };
  }

  close(): Promise<void> {
    this.out.flush();
    return closeSocket(this.socket);
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  return new LengthPrefixClient(await connectUnix(options.socketPath));
}
