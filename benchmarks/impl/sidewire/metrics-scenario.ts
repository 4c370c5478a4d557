/**
 * Scenario (e), metrics on vs off: the inflight workload (`concurrency` requests in flight,
 * `size`-byte payloads) against two sidewire servers in the same server process, one with
 * `metrics: false` (the socket the harness started) and one with `metrics: true` (started on
 * request, see server.ts). One client connection to each; after a warm-up on both, `ROUNDS`
 * measured rounds of `count` requests per setting alternate off, on, on, off, off, on, … so drift
 * of the machine hits both alike.
 *
 * Reports the median req/s of each setting and the throughput overhead `(1 - on / off) × 100`
 * in % (negative when noise made "on" faster), plus the server's CPU time per request in each
 * setting and the CPU overhead `(on / off - 1) × 100`: CPU time per request is much less
 * sensitive to other load on the machine than throughput.
 */
import type { BenchClient, EndpointOptions } from '../../lib/protocol.js';
import type { ScenarioParams } from '../../lib/scenarios.js';
import { median } from '../../lib/stats.js';
import { requestLoops } from '../../scenarios/inflight.js';

/** Measured rounds per setting. */
const ROUNDS = 5;

/** A benchmark client that can also call arbitrary methods. */
export interface ControlClient extends BenchClient {
  call(method: string): Promise<unknown>;
}

interface Round {
  readonly reqPerSec: number;
  /** Server CPU time per request, µs. */
  readonly cpuUs: number;
}

async function serverCpu(client: ControlClient): Promise<number> {
  const us = await client.call('bench.cpu');
  if (typeof us !== 'number') throw new Error('bench.cpu returned no number');
  return us;
}

async function round(client: ControlClient, params: ScenarioParams): Promise<Round> {
  const cpu0 = await serverCpu(client);
  const start = process.hrtime.bigint();
  await requestLoops(client, params.count, params.concurrency, params.size);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu1 = await serverCpu(client);
  return { reqPerSec: params.count / seconds, cpuUs: (cpu1 - cpu0) / params.count };
}

export async function runMetricsScenario(
  options: EndpointOptions,
  params: ScenarioParams,
  connect: (options: EndpointOptions) => Promise<ControlClient>,
): Promise<Record<string, number>> {
  const off = await connect(options);
  let on: ControlClient | undefined;
  try {
    const reply = (await off.call('bench.metricsEndpoint')) as { socketPath?: string };
    if (typeof reply.socketPath !== 'string') throw new Error('bench.metricsEndpoint returned no socketPath');
    on = await connect({ socketPath: reply.socketPath });
    for (const client of [off, on]) await requestLoops(client, params.warmup, params.concurrency, params.size);
    const offRuns: Round[] = [];
    const onRuns: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? ([off, on] as const) : ([on, off] as const);
      for (const client of order) (client === off ? offRuns : onRuns).push(await round(client, params));
    }
    const reqPerSecOff = median(offRuns.map((r) => r.reqPerSec));
    const reqPerSecOn = median(onRuns.map((r) => r.reqPerSec));
    const cpuUsPerReqOff = median(offRuns.map((r) => r.cpuUs));
    const cpuUsPerReqOn = median(onRuns.map((r) => r.cpuUs));
    return {
      overheadPct: (1 - reqPerSecOn / reqPerSecOff) * 100,
      reqPerSecOff,
      reqPerSecOn,
      cpuOverheadPct: (cpuUsPerReqOn / cpuUsPerReqOff - 1) * 100,
      cpuUsPerReqOff,
      cpuUsPerReqOn,
    };
  } finally {
    await Promise.all([off.close(), on?.close()]);
  }
}
