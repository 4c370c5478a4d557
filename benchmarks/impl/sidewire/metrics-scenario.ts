/**
 * Scenario (e), metrics on vs off: the inflight workload (`concurrency` requests in flight,
 * `size`-byte payloads) against two sidewire servers in the same server process, one with
 * `metrics: false` (the socket the harness started) and one with `metrics: true` (started on
 * request, see server.ts). One client connection to each; after a warm-up on both, `ROUNDS`
 * measured rounds of `count` requests per setting alternate off, on, on, off, off, on, … so drift
 * of the machine hits both alike. Reports the median req/s of each setting and the overhead
 * `(1 - on / off) × 100` in % (negative when noise made "on" faster).
 */
import type { BenchClient, EndpointOptions } from '../../lib/protocol.js';
import type { ScenarioParams } from '../../lib/scenarios.js';
import { median } from '../../lib/stats.js';
import { requestLoops } from '../../scenarios/inflight.js';

/** Measured rounds per setting. */
const ROUNDS = 3;

/** A benchmark client that can also call arbitrary methods. */
export interface ControlClient extends BenchClient {
  call(method: string): Promise<unknown>;
}

async function reqPerSec(client: BenchClient, params: ScenarioParams): Promise<number> {
  const start = process.hrtime.bigint();
  await requestLoops(client, params.count, params.concurrency, params.size);
  return params.count / (Number(process.hrtime.bigint() - start) / 1e9);
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
    const offRuns: number[] = [];
    const onRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ([off, on] as const) : ([on, off] as const);
      for (const client of order) (client === off ? offRuns : onRuns).push(await reqPerSec(client, params));
    }
    const reqPerSecOff = median(offRuns);
    const reqPerSecOn = median(onRuns);
    return { overheadPct: (1 - reqPerSecOn / reqPerSecOff) * 100, reqPerSecOff, reqPerSecOn };
  } finally {
    await Promise.all([off.close(), on?.close()]);
  }
}
