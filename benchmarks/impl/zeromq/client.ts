/**
 * zeromq DEALER client over `ipc://`: binary payloads (no JSON), replies matched by id.
 */
import { FrameType } from '../raw-lp/frames.js';
import { PendingRequests } from '../../lib/pending.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { guardStalls, header, loadZmq, messages, SendQueue, type ZmqDealer, zmqAddress } from './types.js';

const EMPTY = Buffer.alloc(0);

class ZmqClient implements BenchClient {
  private readonly pending = new PendingRequests<Buffer>();
  private readonly out: SendQueue;
  private readonly loop: Promise<void>;

  constructor(private readonly dealer: ZmqDealer) {
    this.out = new SendQueue(dealer);
    this.loop = (async () => {
      for await (const [head, payload] of messages(dealer)) {
        if (head !== undefined) this.pending.settle(head.readUInt32BE(1), payload ?? EMPTY);
      }
    })();
    this.loop.catch((err: unknown) => this.pending.failAll(err instanceof Error ? err : new Error(String(err))));
  }

  async request(payload: Payload): Promise<void> {
    const { id, reply } = this.pending.open();
    const wait = this.out.push([header(FrameType.Echo, id), payload.bytes]);
    if (wait) await wait;
    if ((await reply).length !== payload.bytes.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    return this.out.push([header(FrameType.Notify, 0), payload.bytes]);
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    return this.out.push([header(FrameType.Blob, 0), bytes]);
  }

  async sync(): Promise<ServerCounters> {
    const { id, reply } = this.pending.open();
    const wait = this.out.push([header(FrameType.Sync, id), EMPTY]);
    if (wait) await wait;
    const counters = await reply;
    return { notifications: counters.readDoubleBE(0), blobBytes: counters.readDoubleBE(8) };
  }

  async close(): Promise<void> {
    this.dealer.close();
    await this.loop.catch(() => undefined);
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  const zmq = await loadZmq();
  const dealer = guardStalls(new zmq.Dealer());
  dealer.linger = 0;
  dealer.connect(zmqAddress(options.socketPath));
  return new ZmqClient(dealer);
}
