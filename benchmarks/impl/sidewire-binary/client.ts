/**
 * sidewire client in binary mode (`connect({ mode: 'binary' })`, the public API) for the benchmarks.
 * Payloads travel as MessagePack `bin` inside `{ d: Buffer }` params; no base64.
 *
 * Calls run with the client's default timeout (30 s), as applications run them: since the
 * timeouts of a connection share one timer (src/util/call-deadlines.ts) it costs next to nothing.
 *
 * Backpressure through the public API only (docs/protocol.md "Backpressure"): `notify()` returns
 * false once 256 KiB (the default highWaterMarkBytes) wait to be written (in the socket, or for shared-ring room), and the client
 * then awaits `client.drained()`, as an application would; nothing reaches into the socket. Blobs
 * go through the shared-memory side channel when it is on (docs/shared-memory.md).
 *
 * sidewire itself is the compiled build when the orchestrator made one (../sidewire/load.ts).
 */
import type { Client } from '../../../src/index.js';
import type { BenchClient, EndpointOptions, Payload, ServerCounters } from '../../lib/protocol.js';
import { loadSidewire } from '../sidewire/load.js';

class SidewireBinaryClient implements BenchClient {
  constructor(private readonly client: Client) {}

  async request(payload: Payload): Promise<void> {
    const reply = (await this.client.call('echo', { d: payload.bytes })) as { d: Buffer };
    if (reply.d.length !== payload.bytes.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    return this.client.notify('n', { d: payload.bytes }) ? undefined : this.client.drained();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    // >= 64 KiB: written at once (or put in the shared ring), no coalescing copy
    return this.client.notify('blob', { d: bytes }) ? undefined : this.client.drained();
  }

  async sync(): Promise<ServerCounters> {
    return (await this.client.call('sync')) as ServerCounters;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export async function connect(options: EndpointOptions): Promise<BenchClient> {
  const { connect: connectSidewire } = await loadSidewire();
  const client = await connectSidewire({ endpoint: `unix://${options.socketPath}`, mode: 'binary' });
  return new SidewireBinaryClient(client);
}
