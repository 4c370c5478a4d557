/**
 * (a) Round-trip latency: one request at a time, each timed; p50/p99/p99.9 in microseconds.
 */
import type { BenchClient } from '../lib/protocol.js';
import { makePayload } from '../lib/protocol.js';
import type { ScenarioParams } from '../lib/scenarios.js';
import { percentile } from '../lib/stats.js';

export async function runLatency(client: BenchClient, params: ScenarioParams): Promise<Record<string, number>> {
  const payload = makePayload(params.size);
  const warmUntil = Date.now() + (params.minWarmupMs ?? 0);
  for (let i = 0; i < params.warmup || Date.now() < warmUntil; i++) await client.request(payload);
  const samples = new Float64Array(params.count);
  for (let i = 0; i < params.count; i++) {
    const start = process.hrtime.bigint();
    await client.request(payload);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return {
    p50Us: percentile(samples, 50),
    p99Us: percentile(samples, 99),
    p999Us: percentile(samples, 99.9),
  };
}
