/**
 * (d) Large messages one way: rounds of `count` messages of `size` bytes (1 MiB) of random data
 * until `minSeconds` have passed (one round when it is not set), timed until the server confirms
 * it received (and, for JSON implementations, base64-decoded) every byte.
 */
import { randomBytes } from 'node:crypto';
import type { BenchClient } from '../lib/protocol.js';
import type { ScenarioParams } from '../lib/scenarios.js';

async function send(client: BenchClient, data: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const wait = client.blob(data);
    if (wait) await wait;
  }
}

export async function runBulk(client: BenchClient, params: ScenarioParams): Promise<Record<string, number>> {
  const data = randomBytes(params.size);
  await send(client, data, params.warmup);
  const before = await client.sync();
  const start = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - start) / 1e9;
  let sent = 0;
  do {
    await send(client, data, params.count);
    sent += params.count;
  } while (elapsed() < (params.minSeconds ?? 0));
  const after = await client.sync();
  const seconds = elapsed();
  const bytes = after.blobBytes - before.blobBytes;
  if (bytes !== sent * params.size) {
    throw new Error(`server received ${bytes} payload bytes, expected ${sent * params.size}`);
  }
  return { mbPerSec: bytes / 1e6 / seconds, messages: sent };
}
