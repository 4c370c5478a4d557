/**
 * (b) One-way notifications: `count` small messages as fast as the client's backpressure allows,
 * timed until the server confirms it decoded all of them.
 */
import type { BenchClient, Payload } from '../lib/protocol.js';
import { makePayload } from '../lib/protocol.js';
import type { ScenarioParams } from '../lib/scenarios.js';

async function send(client: BenchClient, payload: Payload, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const wait = client.notify(payload);
    if (wait) await wait;
  }
}

export async function runOneway(client: BenchClient, params: ScenarioParams): Promise<Record<string, number>> {
  const payload = makePayload(params.size);
  await send(client, payload, params.warmup);
  const before = await client.sync();
  const start = process.hrtime.bigint();
  await send(client, payload, params.count);
  const after = await client.sync();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const received = after.notifications - before.notifications;
  if (received !== params.count) {
    throw new Error(`server decoded ${received} notifications, expected ${params.count}`);
  }
  return { msgPerSec: params.count / seconds };
}
