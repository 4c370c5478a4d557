/**
 * (a) Round-trip latency: one request at a time, each timed; p50/p99/p99.9 in microseconds.
 *
 * Warm-up and measurement are one loop (only the samples after the warm-up are kept): with a
 * second loop for the measurement, the JIT met new code at the switch and recompiled the caller
 * with the whole request path inlined into it, and for the first ~150 ms of the measurement
 * round trips took 1.5-5 ms at times on a pinned core — longer the more code the path inlines,
 * so it counted against sidewire more than against a 100-line baseline (docs/benchmarks.md
 * "Tails"). The warm-up also lasts at least `minWarmupMs`, for every implementation alike.
 */
import type { BenchClient } from '../lib/protocol.js';
import { makePayload } from '../lib/protocol.js';
import type { ScenarioParams } from '../lib/scenarios.js';
import { percentile } from '../lib/stats.js';

export async function runLatency(client: BenchClient, params: ScenarioParams): Promise<Record<string, number>> {
  const payload = makePayload(params.size);
  const samples = new Float64Array(params.count);
  const warmUntil = Date.now() + (params.minWarmupMs ?? 0);
  let warming = true;
  let measured = 0;
  for (let i = 0; measured < params.count; i++) {
    const start = process.hrtime.bigint();
    await client.request(payload);
    const elapsed = Number(process.hrtime.bigint() - start) / 1000;
    if (warming) warming = i < params.warmup || Date.now() < warmUntil;
    else samples[measured++] = elapsed;
  }
  samples.sort();
  return {
    p50Us: percentile(samples, 50),
    p99Us: percentile(samples, 99),
    p999Us: percentile(samples, 99.9),
  };
}
