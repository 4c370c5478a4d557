/**
 * vscode-jsonrpc server over a unix socket (JSON-RPC 2.0 with `Content-Length` headers).
 */
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { listenUnix } from '../../lib/unix-socket.js';
import { loadConnectionFactory } from './types.js';

interface Params {
  d?: string;
  b64?: string;
}

export async function startServer(options: EndpointOptions): Promise<BenchServer> {
  const messageConnection = await loadConnectionFactory();
  let notifications = 0;
  let blobBytes = 0;
  return listenUnix(options.socketPath, (socket) => {
    const conn = messageConnection(socket);
    conn.onRequest('echo', (params) => ({ d: (params as Params).d }));
    conn.onNotification('n', () => {
      notifications++;
    });
    conn.onNotification('blob', (params) => {
      blobBytes += Buffer.from((params as Params).b64 ?? '', 'base64').length;
    });
    conn.onRequest('sync', () => ({ n: notifications, bytes: blobBytes }));
    conn.listen();
  });
}
