/**
 * Raw `node:net` NDJSON JSON-RPC 2.0 client with batched writes (one write per microtask).
 */
import type { Socket } from 'node:net';
import { DrainWaiter } from '../../lib/drain.js';
import { PendingRequests } from '../../lib/pending.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { StringBatcher } from '../../lib/string-batcher.js';
import { closeSocket, connectUnix } from '../../lib/unix-socket.js';
import { LineSplitter } from './line-splitter.js';

interface Reply {
  id: number;
  result?: { d?: string; n?: number; bytes?: number };
  error?: { message: string };
}

class NdjsonClient implements BenchClient {
  private readonly out: StringBatcher;
  private readonly drain: DrainWaiter;
  private readonly pending = new PendingRequests<Reply>();

  constructor(private readonly socket: Socket) {
    this.out = new StringBatcher(socket);
    this.drain = new DrainWaiter(socket);
    socket.setEncoding('utf8');
    const lines = new LineSplitter((line) => {
      const reply = JSON.parse(line) as Reply;
      this.pending.settle(reply.id, reply);
    });
    socket.on('data', (chunk: string) => lines.push(chunk));
    socket.on('close', () => this.pending.failAll(new Error('connection closed')));
  }

  private call(method: string, params: unknown): Promise<Reply> {
    const { id, reply } = this.pending.open();
    this.out.push(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return reply;
  }

  async request(payload: Payload): Promise<void> {
    const reply = await this.call('echo', { d: payload.text });
    if (reply.result?.d?.length !== payload.text.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    this.out.push(JSON.stringify({ jsonrpc: '2.0', method: 'n', params: { d: payload.text } }) + '\n');
    return this.drain.check();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    this.out.push(JSON.stringify({ jsonrpc: '2.0', method: 'blob', params: { b64: bytes.toString('base64') } }) + '\n');
    return this.drain.check();
  }

  async sync(): Promise<ServerCounters> {
    const reply = await this.call('sync', {});
    return { notifications: reply.result?.n ?? -1, blobBytes: reply.result?.bytes ?? -1 };
  }

  close(): Promise<void> {
    this.out.flush();
    return closeSocket(this.socket);
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  return new NdjsonClient(await connectUnix(options.socketPath));
}
