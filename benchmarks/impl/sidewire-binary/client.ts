/**
 * sidewire client in binary mode (`connect({ mode: 'binary' })`, the public API) for the benchmarks.
 * Payloads travel as MessagePack `bin` inside `{ d: Buffer }` params; no base64.
 *
 * Calls run with the client's default timeout (30 s), as applications run them: since the
 * timeouts of a connection share one timer (src/util/call-deadlines.ts) it costs next to nothing.
 *
 * Backpressure: `notify()` queues into sidewire's coalescing writer, which flushes once per
 * event-loop turn. Every 256 KiB queued, the client yields one turn (so the batch is written) and
 * then waits for the socket's `drain` when its buffer is full, like the raw clients. Blobs go
 * through the shared-memory side channel when it is on (docs/shared-memory.md): there the socket
 * never fills, so the client also waits while `client.bufferedBytes` (frames waiting for the
 * server to release ring room) is over half the ring, until the release frames bring it down.
 *
 * sidewire itself is the compiled build when the orchestrator made one (../sidewire/load.ts).
 */
import type { Socket } from 'node:net';
import type { Client } from '../../../src/index.js';
import { DrainWaiter } from '../../lib/drain.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { loadSidewire } from '../sidewire/load.js';

/** Bytes queued between two yields to the event loop. */
const YIELD_BYTES = 256 * 1024;
/** `client.bufferedBytes` above which `blob()` waits: half of the default 16 MiB ring. */
const BLOB_BUFFERED_BYTES = 8 * 1024 * 1024;

class SidewireBinaryClient implements BenchClient {
  private readonly drain: DrainWaiter;
  private queued = 0;
  private yielding: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly socket: Socket,
  ) {
    this.drain = new DrainWaiter(socket);
  }

  async request(payload: Payload): Promise<void> {
    const reply = (await this.client.call('echo', { d: payload.bytes })) as { d: Buffer };
    if (reply.d.length !== payload.bytes.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    this.client.notify('n', { d: payload.bytes });
    return this.backpressure(payload.bytes.length + 24);
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    this.client.notify('blob', { d: bytes }); // >= 64 KiB: written at once (or put in the shared ring), no coalescing copy
    return this.drain.check() ?? (this.client.bufferedBytes > BLOB_BUFFERED_BYTES ? this.whileBuffered() : undefined);
  }

  /**
   * Waits until less is buffered: the server's release frames arrive as socket data, and the
   * client handles them before this listener (registered later) runs. No polling: a client that
   * spun on setImmediate here burned a CPU the server needed.
   */
  private whileBuffered(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.socket.off('data', check);
        this.socket.off('close', closed);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        if (this.client.bufferedBytes <= BLOB_BUFFERED_BYTES) done();
      };
      const closed = (): void => done(new Error('socket closed while waiting for ring room'));
      this.socket.on('data', check);
      this.socket.on('close', closed);
    });
  }

  async sync(): Promise<ServerCounters> {
    return (await this.client.call('sync')) as ServerCounters;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private backpressure(bytes: number): Promise<void> | undefined {
    this.queued += bytes;
    if (this.queued < YIELD_BYTES) return undefined;
    this.queued = 0;
    return (this.yielding ??= this.yieldTurn());
  }

  /**
   * One event-loop turn, then the socket's drain if it is full. Its own method: with these
   * closures inside `backpressure` (which runs once per message, and takes this branch every
   * ~1,900), V8 allocated its context on every call: ~50 B of garbage per notification (sampling
   * heap profiler), which the raw clients do not make.
   */
  private yieldTurn(): Promise<void> {
    return new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.yielding = undefined;
      await this.drain.check();
    });
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  const { connect: connectSidewire, connectTransport } = await loadSidewire();
  let socket: Socket | undefined;
  const client = await connectSidewire({
    endpoint: `unix://${options.socketPath}`,
    mode: 'binary',
    transportFactory: async (target, o) => (socket = await connectTransport(target.endpoint, o)),
  });
  if (socket === undefined) throw new Error('transportFactory was not called');
  return new SidewireBinaryClient(client, socket);
}
