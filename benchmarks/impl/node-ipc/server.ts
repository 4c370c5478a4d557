/**
 * node-ipc server (default `fast` profile: JSON envelope `{type,data}` + `\f` delimiter).
 */
import { dirname } from 'node:path';
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { createIpc } from './types.js';

interface Data {
  i?: number;
  d?: string;
  b?: string;
}

export async function startServer(options: EndpointOptions): Promise<BenchServer> {
  const ipc = await createIpc(dirname(options.socketPath));
  let notifications = 0;
  let blobBytes = 0;
  await new Promise<void>((resolve) => {
    ipc.serve(options.socketPath, () => resolve());
    const server = ipc.server;
    server.on('echo', (data, socket) => {
      const msg = data as Data;
      server.emit(socket, 'r', { i: msg.i, d: msg.d });
    });
    server.on('n', () => {
      notifications++;
    });
    server.on('blob', (data) => {
      blobBytes += Buffer.from((data as Data).b ?? '', 'base64').length;
    });
    server.on('sync', (data, socket) => {
      server.emit(socket, 'r', { i: (data as Data).i, n: notifications, bytes: blobBytes });
    });
    server.start();
  });
  return {
    close: async () => {
      ipc.server.stop();
    },
  };
}
