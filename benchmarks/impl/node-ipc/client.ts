/**
 * node-ipc client: `emit(event, data)` per message (node-ipc writes each message directly; it has
 * no request/response API, so replies are matched by an id in the data).
 */
import { dirname } from 'node:path';
import type { Socket } from 'node:net';
import { DrainWaiter } from '../../lib/drain.js';
import { PendingRequests } from '../../lib/pending.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { createIpc, type IpcClientConnection, type IpcInstance } from './types.js';

const ID = 'bench';

interface Reply {
  i: number;
  d?: string;
  n?: number;
  bytes?: number;
}

class NodeIpcClient implements BenchClient {
  private readonly pending = new PendingRequests<Reply>();
  private readonly drain: DrainWaiter;

  constructor(
    private readonly ipc: IpcInstance,
    private readonly conn: IpcClientConnection,
    socket: Socket,
  ) {
    this.drain = new DrainWaiter(socket);
    conn.on('r', (data) => {
      const reply = data as Reply;
      this.pending.settle(reply.i, reply);
    });
    conn.on('disconnect', () => this.pending.failAll(new Error('node-ipc disconnected')));
  }

  async request(payload: Payload): Promise<void> {
    const { id, reply } = this.pending.open();
    this.conn.emit('echo', { i: id, d: payload.text });
    if ((await reply).d?.length !== payload.text.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    return this.conn.emit('n', { d: payload.text }) ? undefined : this.drain.check();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    return this.conn.emit('blob', { b: bytes.toString('base64') }) ? undefined : this.drain.check();
  }

  async sync(): Promise<ServerCounters> {
    const { id, reply } = this.pending.open();
    this.conn.emit('sync', { i: id });
    const r = await reply;
    return { notifications: r.n ?? -1, blobBytes: r.bytes ?? -1 };
  }

  async close(): Promise<void> {
    this.ipc.disconnect(ID);
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  const ipc = await createIpc(dirname(options.socketPath));
  return new Promise<BenchClient>((resolve, reject) => {
    ipc.connectTo(ID, options.socketPath, () => {
      const conn = ipc.of[ID];
      if (conn === undefined) return reject(new Error('node-ipc did not create the connection'));
      conn.on('connect', () => {
        if (conn.socket === false) return reject(new Error('node-ipc connected without a socket'));
        resolve(new NodeIpcClient(ipc, conn, conn.socket));
      });
      conn.on('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
    });
  });
}
