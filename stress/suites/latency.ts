/**
 * Suite 3 — latency torture. A probe connection measures `echo` round trips alone (idle), then
 * again while B background connections (in P other processes) each call `echo` every I ms.
 * Reports probe p50/p99/p99.9 idle and loaded. Bound: no probe or background call fails, every
 * background connection is served, and the loaded p99.9 stays under a sanity ceiling (2 s: not a
 * performance target — a starved or stuck connection breaks it; the figures are the result).
 */
import { stopAll, StressChild } from '../lib/child.js';
import { count, describePercentiles, percentiles, rate, type Percentiles } from '../lib/format.js';
import { requireFds, split, startServerChild, workspace } from '../lib/harness.js';
import { Checks, type Suite, type SuiteContext, type SuiteResult } from '../lib/suite.js';

export interface LatencyParams {
  readonly background: number;
  readonly processes: number;
  readonly intervalMs: number;
  readonly warmup: number;
  readonly samples: number;
  /** Sanity ceiling of the loaded p99.9, ms. */
  readonly ceilingMs: number;
  /** Load before the loaded measurement starts, ms. */
  readonly settleMs: number;
}

export const LATENCY_FULL: LatencyParams = { background: 999, processes: 3, intervalMs: 200, warmup: 500, samples: 5000, ceilingMs: 2000, settleMs: 2000 };
export const LATENCY_QUICK: LatencyParams = { background: 99, processes: 1, intervalMs: 100, warmup: 100, samples: 1000, ceilingMs: 2000, settleMs: 500 };

interface Measured {
  readonly p: Percentiles;
  readonly errors: number;
  readonly errorSamples: string[];
}

async function measure(probe: StressChild, phase: string, params: LatencyParams): Promise<Measured> {
  const from = probe.messages.length;
  probe.send({ type: 'measure', phase, warmup: params.warmup, count: params.samples });
  const m = await probe.waitFor('measured', 300_000, (x) => x['phase'] === phase, from);
  return { p: percentiles(m['samples'] as number[]), errors: m['errors'] as number, errorSamples: m['errorSamples'] as string[] };
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const params = ctx.quick ? LATENCY_QUICK : LATENCY_FULL;
  const checks = new Checks();
  requireFds(params.background + 2);
  const ws = workspace('lat');
  const server = await startServerChild(ws, 'latency server', { limits: { maxConnections: params.background + 64 } });
  const probe = new StressChild('latency probe', 'clients/latency-client.ts', { endpoint: ws.endpoint, role: 'probe', clients: 1, first: 0, intervalMs: 0 });
  const background: StressChild[] = [];
  try {
    await probe.waitFor('ready', 60_000);
    ctx.progress(`latency: probe idle (${count(params.samples)} round trips)`);
    const idle = await measure(probe, 'idle', params);
    let first = 0;
    for (const [i, n] of split(params.background, params.processes).entries()) {
      background.push(new StressChild(`latency background ${i + 1}`, 'clients/latency-client.ts', { endpoint: ws.endpoint, role: 'background', clients: n, first, intervalMs: params.intervalMs }));
      first += n;
    }
    await Promise.all(background.map((b) => b.waitFor('connected', 120_000)));
    for (const b of background) b.send({ type: 'go' });
    ctx.progress(`latency: ${count(params.background)} background connections calling every ${params.intervalMs} ms; probe loaded`);
    await new Promise((r) => setTimeout(r, params.settleMs));
    const loaded = await measure(probe, 'loaded', params);
    for (const b of background) b.send({ type: 'stop' });
    const reports = await Promise.all(background.map((b) => b.waitFor('report', 120_000)));

    const bgCalls = reports.reduce((a, r) => a + (r['calls'] as number), 0);
    const bgErrors = reports.reduce((a, r) => a + (r['errors'] as number), 0);
    const minCalls = Math.min(...reports.map((r) => r['minCalls'] as number));
    const bgElapsed = Math.max(...reports.map((r) => r['elapsedMs'] as number));
    const bgRate = bgCalls / (bgElapsed / 1000);
    checks.expect(idle.errors === 0 && loaded.errors === 0, `probe calls failed: ${idle.errors} idle, ${loaded.errors} loaded (${[...idle.errorSamples, ...loaded.errorSamples].join('; ')})`);
    checks.expect(bgErrors === 0, `${bgErrors} background calls failed: ${reports.flatMap((r) => r['errorSamples'] as string[]).join('; ')}`);
    checks.expect(minCalls > 0, 'a background connection was never served');
    checks.expect(loaded.p.p999 <= params.ceilingMs, `loaded probe p99.9 ${loaded.p.p999.toFixed(1)} ms > sanity ceiling ${params.ceilingMs} ms`);
    checks.expect(!server.hasExited, `the server exited: ${server.stderr.slice(-500)}`);
    const fmt = (p: Percentiles): string => `p50 ${p.p50.toFixed(3)} / p99 ${p.p99.toFixed(3)} / p99.9 ${p.p999.toFixed(3)} ms`;
    return {
      id: 'latency',
      pass: checks.pass,
      failures: checks.failures,
      summary: `probe idle ${fmt(idle.p)}; loaded ${fmt(loaded.p)} (${count(params.background)} conns, ${rate(bgRate)} req/s)`,
      figures: [
        `idle:   ${describePercentiles(idle.p)}`,
        `loaded: ${describePercentiles(loaded.p)}`,
        `background: ${count(params.background)} connections in ${background.length} processes, one echo every ${params.intervalMs} ms each: ${count(bgCalls)} calls (${rate(bgRate)} req/s), min ${count(minCalls)} per connection, 0 failed`,
      ],
      data: { params, idle: idle.p, loaded: loaded.p, backgroundCalls: bgCalls, backgroundRate: bgRate },
    };
  } finally {
    await stopAll([probe, ...background, server]);
    ws.cleanup();
  }
}

export const latencySuite: Suite = { id: 'latency', title: 'latency torture: probe round trips beside 999 busy connections', run };
