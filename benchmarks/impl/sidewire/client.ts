/**
 * sidewire client in JSON mode (`connect({ mode: 'json' })`, the public API) for the benchmarks:
 * JSON-RPC 2.0 over NDJSON, exactly what raw-ndjson puts on the wire, plus sidewire's `$/hello`
 * at connect time. Payloads travel as `{ d: string }`; blobs are base64 (`{ b64 }`) like every
 * JSON peer.
 *
 * Calls run with the client's default timeout (30 s), as applications run them: since the
 * timeouts of a connection share one timer (src/util/call-deadlines.ts) it costs next to nothing.
 *
 * Backpressure through the public API only (docs/protocol.md "Backpressure"): `notify()` returns
 * false once 256 KiB (the default highWaterMarkBytes) wait to be written, and the client then awaits `client.drained()`, as an
 * application would; nothing reaches into the socket.
 *
 * sidewire itself is the compiled build when the orchestrator made one (load.ts).
 *
 * `ownScenarios.metrics` is scenario (e): the inflight workload against a server with metrics off
 * and one with metrics on, in the same server process (see server.ts), alternating.
 */
import type { Client } from '../../../src/index.js';
import type { BenchClient, EndpointOptions, OwnScenario, Payload, ServerCounters } from '../../lib/protocol.js';
import { runMetricsScenario, type ControlClient } from './metrics-scenario.js';
import { loadSidewire } from './load.js';

class SidewireJsonClient implements ControlClient {
  constructor(private readonly client: Client) {}

  async request(payload: Payload): Promise<void> {
    const reply = (await this.client.call('echo', { d: payload.text })) as { d?: string } | null;
    if (reply?.d?.length !== payload.text.length) throw new Error('bad echo reply');
  }

  notify(payload: Payload): Promise<void> | undefined {
    return this.client.notify('n', { d: payload.text }) ? undefined : this.client.drained();
  }

  blob(bytes: Buffer): Promise<void> | undefined {
    return this.client.notify('blob', { b64: bytes.toString('base64') }) ? undefined : this.client.drained();
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
  const { connect: connectSidewire } = await loadSidewire();
  const client = await connectSidewire({ endpoint: `unix://${options.socketPath}`, mode: 'json', reconnect: false });
  return new SidewireJsonClient(client);
}

export function connect(options: EndpointOptions): Promise<BenchClient> {
  return connectJson(options);
}

export const ownScenarios: Readonly<Record<string, OwnScenario>> = {
  metrics: (options, params) => runMetricsScenario(options, params, connectJson),
};
