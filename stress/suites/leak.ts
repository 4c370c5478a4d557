/**
 * Suite 4 — leak cycles. The server runs with `--expose-gc`. A client process runs C cycles; in
 * each, 100–500 clients (seeded) connect, call, subscribe, get an event and leave — gracefully,
 * mid-call, abruptly (socket destroyed) or half-closed. After each cycle the server must be back
 * to the control connection only. Baseline after W warm-up cycles; at the end:
 * - heap used after forced GC (min of 5 samples) within 512 KiB of the baseline (quick: 1 MiB);
 * - open file descriptors equal to the baseline;
 * - process / server listener counts and active libuv resources (sockets, timers) equal to the
 *   baseline; no request handler still running.
 */
import type { Client } from '../../src/index.js';
import { stopAll, StressChild } from '../lib/child.js';
import { count, kib, KiB, MiB, secs } from '../lib/format.js';
import { controlClient, pollUntil, serverStats, startServerChild, workspace, type ServerStats } from '../lib/harness.js';
import { Random } from '../lib/random.js';
import { Checks, type Suite, type SuiteContext, type SuiteResult } from '../lib/suite.js';

export interface LeakParams {
  readonly cycles: number;
  readonly warmup: number;
  readonly minClients: number;
  readonly maxClients: number;
  /** Allowed heap growth after GC, bytes. */
  readonly heapBoundBytes: number;
  readonly gcSamples: number;
}

export const LEAK_FULL: LeakParams = { cycles: 120, warmup: 10, minClients: 100, maxClients: 500, heapBoundBytes: 512 * KiB, gcSamples: 5 };
export const LEAK_QUICK: LeakParams = { cycles: 20, warmup: 5, minClients: 20, maxClients: 60, heapBoundBytes: 1 * MiB, gcSamples: 5 };

/**
 * The server's halfOpenTimeoutMs here: a client that vanished mid-call looks like a half-close to
 * the server, which lets the call run this long before aborting it (default 10 s).
 */
const HALF_OPEN_MS = 200;

function diffRecords(name: string, before: Record<string, number>, after: Record<string, number>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: string[] = [];
  for (const k of keys) {
    if ((before[k] ?? 0) !== (after[k] ?? 0)) out.push(`${name} ${k}: ${before[k] ?? 0} → ${after[k] ?? 0}`);
  }
  return out;
}

async function settle(control: Client): Promise<ServerStats> {
  let last: ServerStats | undefined;
  const ok = await pollUntil(async () => {
    last = await serverStats(control);
    return last.connections === 1 && last.clients === 1 && last.slowRunning === 0;
  }, 20_000);
  if (!ok) throw new Error(`the server did not drop back to the control connection: ${last?.connections} sockets, ${last?.clients} clients, ${last?.slowRunning} handlers running`);
  return last!;
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = ctx.quick ? LEAK_QUICK : LEAK_FULL;
  const checks = new Checks();
  const rng = new Random(ctx.seed);
  const ws = workspace('leak');
  const server = await startServerChild(ws, 'leak server', { nodeFlags: ['--expose-gc'], limits: { maxConnections: p.maxClients + 64, halfOpenTimeoutMs: HALF_OPEN_MS } });
  const driver = new StressChild('leak clients', 'clients/leak-client.ts', { endpoint: ws.endpoint });
  let control: Client | undefined;
  try {
    await driver.waitFor('ready', 60_000);
    control = await controlClient(ws.endpoint);
    let baseline: ServerStats | undefined;
    let total = 0;
    let problemCount = 0;
    const problems: string[] = [];
    const started = performance.now();
    for (let c = 1; c <= p.cycles; c++) {
      const n = rng.int(p.minClients, p.maxClients);
      total += n;
      const from = driver.messages.length;
      driver.send({ type: 'cycle', cycle: c, n, seed: rng.int(0, 2 ** 31) });
      const done = await driver.waitFor('cycle-done', 120_000, (m) => m['cycle'] === c, from);
      problemCount += done['problemCount'] as number;
      problems.push(...(done['problems'] as string[]).map((x) => `cycle ${c}: ${x}`));
      await settle(control);
      if (c === p.warmup) baseline = await serverStats(control, p.gcSamples);
      if (c % 10 === 0) ctx.progress(`leak: cycle ${c}/${p.cycles} (${count(total)} clients so far)`);
    }
    const elapsedMs = performance.now() - started;
    const final = await serverStats(control, p.gcSamples);
    const base = baseline!;
    const growth = (final.heapAfterGc ?? NaN) - (base.heapAfterGc ?? NaN);
    checks.expect(base.heapAfterGc !== null, 'the server runs without --expose-gc');
    checks.expect(growth <= p.heapBoundBytes, `heap after GC grew by ${kib(growth)} (> ${kib(p.heapBoundBytes)})`);
    checks.expect(final.fds === base.fds, `open fds ${base.fds} → ${final.fds}`);
    const listenerDiffs = [
      ...diffRecords('process listeners', base.processListeners, final.processListeners),
      ...diffRecords('server listeners', base.serverListeners, final.serverListeners),
      ...diffRecords('active resources', base.resources, final.resources),
    ];
    checks.expect(listenerDiffs.length === 0, `left behind: ${listenerDiffs.join('; ')}`);
    checks.expect(problemCount === 0, `${problemCount} client problems: ${problems.slice(0, 5).join('; ')}`);
    checks.expect(!server.hasExited, `the server exited: ${server.stderr.slice(-500)}`);
    checks.expect(final.handlerErrors === 0, `server handler errors: ${final.errorSamples.join('; ')}`);
    const resources = Object.entries(final.resources).map(([k, v]) => `${k} ${v}`).join(', ');
    return {
      id: 'leak',
      pass: checks.pass,
      failures: checks.failures,
      summary: `heap after GC ${growth >= 0 ? '+' : ''}${kib(growth)} (bound ${kib(p.heapBoundBytes)}) after ${p.cycles} cycles / ${count(total)} clients; fds ${base.fds} → ${final.fds}; listeners unchanged`,
      figures: [
        `${p.cycles} cycles of ${p.minClients}–${p.maxClients} clients (connect, echo, subscribe, event, then close / close mid-call / destroy / destroy mid-call / half-close) in ${secs(elapsedMs)}`,
        `baseline after ${p.warmup} warm-up cycles: heap ${kib(base.heapAfterGc ?? NaN)}, end: ${kib(final.heapAfterGc ?? NaN)} (min of ${p.gcSamples} gc'd samples)`,
        `fds ${base.fds} → ${final.fds}; active resources at the end: ${resources}`,
      ],
      data: { params: p, clients: total, heapGrowth: growth, baseline: base, final, elapsedMs },
    };
  } finally {
    await control?.close();
    await stopAll([driver, server]);
    ws.cleanup();
  }
}

export const leakSuite: Suite = { id: 'leak', title: 'leak cycles: heap, fds and listeners back to baseline', run };
