/**
 * (c) Pipelined requests: `concurrency` request loops share one connection until `count`
 * requests completed; requests per second.
 */
import type { BenchClient } from '../lib/protocol.js';
import { makePayload } from '../lib/protocol.js';
import type { ScenarioParams } from '../lib/scenarios.js';

/** Runs `total` requests with `concurrency` in flight; resolves when all replies arrived. */
export async function requestLoops(client: BenchClient, total: number, concurrency: number, size: number): Promise<void> {
  const payload = makePayload(size);
  let issued = 0;
  const loop = async (): Promise<void> => {
    while (issued < total) {
      issued++;
      await client.request(payload);
    }
  };
  const loops: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, total); i++) loops.push(loop());
  await Promise.all(loops);
}

export async function runInflight(client: BenchClient, params: ScenarioParams): Promise<Record<string, number>> {
  await requestLoops(client, params.warmup, params.concurrency, params.size);
  const start = process.hrtime.bigint();
  await requestLoops(client, params.count, params.concurrency, params.size);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { reqPerSec: params.count / seconds };
}
