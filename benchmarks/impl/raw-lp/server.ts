/**
 * Raw `node:net` length-prefixed server: echoes requests, counts notifications and blob bytes.
 */
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { listenUnix } from '../../lib/unix-socket.js';
import { FrameReader, FrameType, FrameWriter } from './frames.js';

export function startServer(options: EndpointOptions): Promise<BenchServer> {
  let notifications = 0;
  let blobBytes = 0;
  return listenUnix(options.socketPath, (socket) => {
    const out = new FrameWriter(socket);
    const reader = new FrameReader((type, id, payload) => {
      switch (type) {
        case FrameType.Echo:
          out.push(FrameType.Reply, id, payload);
          break;
        case FrameType.Notify:
          notifications++;
          break;
        case FrameType.Blob:
          blobBytes += payload.length;
          break;
        case FrameType.Sync: {
          const counters = Buffer.allocUnsafe(16);
          counters.writeDoubleBE(notifications, 0);
          counters.writeDoubleBE(blobBytes, 8);
          out.push(FrameType.Reply, id, counters);
          break;
        }
        default:
          socket.destroy(new Error(`unknown frame type ${type}`));
      }
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  });
}
