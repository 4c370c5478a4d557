/**
 * sidewire client in JSON mode (`connect({ mode: 'json' })`, the public API) for the benchmarks:
 * JSON-RPC 2.0 over NDJSON, exactly what raw-ndjson puts on the wire, plus sidewire's `$/hello`
 * at connect time. Payloads travel as `{ d: string }`; blobs are base64 (`{ b64 }`) like every
 * JSON peer.
 *
 * Calls run with the client's default timeout (30 s), as applications run them: since the
 * timeouts of a connection share one timer (src/util/call-deadlines.ts) it costs next to nothing.
 *
 * Backpressure for `notify()`, which returns nothing: sidewire's writer hands every full 64 KiB
 * batch to the socket at once, so after each send the client waits for the socket's `drain` when
 * its buffer is full, exactly like the raw clients (the socket comes from `transportFactory`).
 *
 * sidewire itself is the compiled build when the orchestrator made one (load.ts).
 *
 * `ownScenarios.metrics` is scenario (e): the inflight workload against a server with metrics off
 * and one with metrics on, in the same server process (see server.ts), alternating.
 */
import type { Socket } from 'node:net';
import type { Client } from '../../../src/index.js';
import type { BenchClient, EndpointOptions, OwnScenario, Payload, ServerCounters } from '../../lib/protocol.js';
import { runMetricsScenario, type ControlClient } from './metrics-scenario.js';
import { DrainWaiter } from '../../lib/drain.js';
import { loadSidewire } from './load.js';

class SidewireJsonClient implements ControlClient {
  private readonly drain: DrainWaiter;

  constructor(
    private readonly client: Client,
    socket: Socket,
  ) {
    this.drain = new DrainWaiter(socket);
  }

  async request(payload: Payload): Promise<void> {
    const reply = (await this.client.call('echo', { d: payload.text })) as { d?: string } | null;
    if (reply?.d?.length !== payload.text.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    this.client.notify('n', { d: payload.text });
    return this.drain.check();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    this.client.notify('blob', { b64: bytes.toString('base64') });
    return this.drain.check();
  }

  async sync(): Promise<ServerCounters> {
    const reply = (await this.client.call('sync')) as { n?: number; bytes?: number };
    return { notifications: reply.n ?? -1, blobBytes: reply.bytes ?? -1 };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Any other call (scenario (e) asks the server for its metrics endpoint). */
  call(method: string): Promise<unknown> {
    return this.client.call(method);
  }
}

/** Connects a JSON-mode sidewire client to the server at `socketPath`. */
export async function connectJson(options: EndpointOptions): Promise<SidewireJsonClient> {
  const { connect: connectSidewire, connectTransport } = await loadSidewire();
  let socket: Socket | undefined;
  const client = await connectSidewire({
    endpoint: `unix://${options.socketPath}`,
    mode: 'json',
    reconnect: false,
    transportFactory: async (target, o) => (socket = await connectTransport(target.endpoint, o)),
  });
  if (socket === undefined) throw new Error('transportFactory was not called');
  return new SidewireJsonClient(client, socket);
}

export function connect(options: EndpointOptions): Promise<BenchClient> {
  return connectJson(options);
}

export const ownScenarios: Readonly<Record<string, OwnScenario>> = {
  metrics: (options, params) => runMetricsScenario(options, params, connectJson),
};
