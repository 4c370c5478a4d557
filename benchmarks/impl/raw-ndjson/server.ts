/**
 * Raw `node:net` NDJSON JSON-RPC 2.0 server with batched writes: the Node.js ceiling for JSON.
 */
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { StringBatcher } from '../../lib/string-batcher.js';
import { listenUnix } from '../../lib/unix-socket.js';
import { LineSplitter } from './line-splitter.js';

interface Message {
  id?: number;
  method: string;
  params?: { d?: string; b64?: string };
}

export function startServer(options: EndpointOptions): Promise<BenchServer> {
  let notifications = 0;
  let blobBytes = 0;
  return listenUnix(options.socketPath, (socket) => {
    socket.setEncoding('utf8');
    const out = new StringBatcher(socket);
    const lines = new LineSplitter((line) => {
      const msg = JSON.parse(line) as Message;
      switch (msg.method) {
        case 'echo':
          out.push(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { d: msg.params?.d } }) + '\n');
          break;
        case 'n':
          notifications++;
          break;
        case 'blob':
          blobBytes += Buffer.from(msg.params?.b64 ?? '', 'base64').length;
          break;
        case 'sync':
          out.push(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { n: notifications, bytes: blobBytes } }) + '\n');
          break;
        default:
          out.push(JSON.stringify({ jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32601, message: 'method not found' } }) + '\n');
      }
    });
    socket.on('data', (chunk: string) => lines.push(chunk));
  });
}
