/**
 * (d) Large messages one way: `count` messages of `size` bytes (1 MiB) of random data, timed until
 * the server confirms it received (and, for JSON implementations, base64-decoded) every byte.
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
  await send(client, data, params.count);
  const after = await client.sync();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = after.blobBytes - before.blobBytes;
  if (bytes !== params.count * params.size) {
    throw new Error(`server received ${bytes} payload bytes, expected ${params.count * params.size}`);
  }
  return { mbPerSec: bytes / 1e6 / seconds };
}
