/**
 * zeromq ROUTER server over `ipc://` (a unix socket): messages are `[header, payload]` multipart.
 */
import { FrameType } from '../raw-lp/frames.js';
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { guardStalls, header, loadZmq, messages, SendQueue, zmqAddress } from './types.js';

export async function startServer(options: EndpointOptions): Promise<BenchServer> {
  const zmq = await loadZmq();
  const router = guardStalls(new zmq.Router());
  router.linger = 0;
  await router.bind(zmqAddress(options.socketPath));
  const out = new SendQueue(router, Number.POSITIVE_INFINITY);
  let notifications = 0;
  let blobBytes = 0;
  const loop = (async () => {
    for await (const [identity, head, payload] of messages(router)) {
      if (identity === undefined || head === undefined) continue;
      const type = head[0];
      if (type === FrameType.Echo) {
        out.push([identity, header(FrameType.Reply, head.readUInt32BE(1)), payload ?? Buffer.alloc(0)]);
      } else if (type === FrameType.Notify) {
        notifications++;
      } else if (type === FrameType.Blob) {
        blobBytes += payload?.length ?? 0;
      } else if (type === FrameType.Sync) {
        const counters = Buffer.allocUnsafe(16);
        counters.writeDoubleBE(notifications, 0);
        counters.writeDoubleBE(blobBytes, 8);
        out.push([identity, header(FrameType.Reply, head.readUInt32BE(1)), counters]);
      }
    }
  })();
  loop.catch(() => undefined);
  return {
    close: async () => {
      router.close();
      await loop.catch(() => undefined);
    },
  };
}
