/**
 * vscode-jsonrpc client: `sendRequest` / `sendNotification`. Notifications are not awaited one by
 * one; at most `WINDOW` are outstanding (each returns a promise that settles once written).
 */
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { closeSocket, connectUnix } from '../../lib/unix-socket.js';
import type { Socket } from 'node:net';
import { loadConnectionFactory, type MessageConnection } from './types.js';

/** Outstanding small notifications before the caller waits. */
const WINDOW = 1024;
/** Outstanding 1 MiB blobs before the caller waits (each is a ~1.4 MB base64 string). */
const BLOB_WINDOW = 4;

class VscodeClient implements BenchClient {
  private outstanding = 0;
  private readonly settled = (): void => {
    this.outstanding--;
  };

  constructor(
    private readonly conn: MessageConnection,
    private readonly socket: Socket,
  ) {}

  async request(payload: Payload): Promise<void> {
    const reply = await this.conn.sendRequest<{ d?: string }>('echo', { d: payload.text });
    if (reply.d?.length !== payload.text.length) throw new Error('bad echo reply');
  }

  private send(method: string, params: unknown, window: number): Promise<void> | undefined {
    this.outstanding++;
    const written = this.conn.sendNotification(method, params);
    written.then(this.settled, this.settled);
    return this.outstanding >= window ? written : undefined;
  }

  notify(payload: Payload): Promise<void> | undefined {
    return this.send('n', { d: payload.text }, WINDOW);
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    return this.send('blob', { b64: bytes.toString('base64') }, BLOB_WINDOW);
  }

  async sync(): Promise<ServerCounters> {
    const r = await this.conn.sendRequest<{ n: number; bytes: number }>('sync', {});
    return { notifications: r.n, blobBytes: r.bytes };
  }

  async close(): Promise<void> {
    this.conn.dispose();
    await closeSocket(this.socket);
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  const socket = await connectUnix(options.socketPath);
  const conn = (await loadConnectionFactory())(socket);
  conn.listen();
  return new VscodeClient(conn, socket);
}
