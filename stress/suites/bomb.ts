/**
 * Suite 1 — connection bomb: C concurrent clients (spread over P client processes) each send M
 * notifications to one server process. Bound: every message delivered, per client, in order
 * (the server counts per clientId; each client confirms its own count), and the server survives.
 */
import { stopAll, StressChild } from '../lib/child.js';
import { count, rate, secs } from '../lib/format.js';
import { controlClient, requireFds, serverStats, split, startServerChild, workspace } from '../lib/harness.js';
import { Checks, type Suite, type SuiteContext, type SuiteResult } from '../lib/suite.js';

export interface BombParams {
  readonly clients: number;
  readonly messages: number;
  readonly processes: number;
  /** Notifications per client between two `bomb.sync` round trips. */
  readonly window: number;
}

export const BOMB_FULL: BombParams = { clients: 1000, messages: 5000, processes: 4, window: 500 };
export const BOMB_QUICK: BombParams = { clients: 50, messages: 500, processes: 2, window: 100 };

interface Report {
  clients: number;
  total: number;
  min: number;
  max: number;
  outOfOrder: number;
  exact: number;
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = ctx.quick ? BOMB_QUICK : BOMB_FULL;
  const expected = p.clients * p.messages;
  const checks = new Checks();
  requireFds(p.clients + 2);
  const ws = workspace('bomb');
  const server = await startServerChild(ws, 'bomb server', { limits: { maxConnections: p.clients + 64 } });
  const drivers: StressChild[] = [];
  try {
    let first = 0;
    for (const [i, n] of split(p.clients, p.processes).entries()) {
      drivers.push(new StressChild(`bomb clients ${i + 1}`, 'clients/bomb-client.ts', { endpoint: ws.endpoint, clients: n, first, messages: p.messages, window: p.window }));
      first += n;
    }
    ctx.progress(`bomb: connecting ${count(p.clients)} clients from ${drivers.length} processes`);
    await Promise.all(drivers.map((d) => d.waitFor('connected', 120_000)));
    const control = await controlClient(ws.endpoint);
    const before = await serverStats(control);
    checks.expect(before.clients === p.clients + 1, `server saw ${before.clients - 1} of ${p.clients} clients connected at once`);
    ctx.progress(`bomb: ${count(before.clients - 1)} connected; sending ${count(expected)} messages`);
    const started = performance.now();
    for (const d of drivers) d.send({ type: 'go' });
    const done = await Promise.all(drivers.map((d) => d.waitFor('done', ctx.quick ? 60_000 : 900_000)));
    const elapsedMs = performance.now() - started;
    const report = (await control.call('bomb.report', { expected: p.messages })) as Report;
    const after = await serverStats(control);
    await control.close();

    const problems = done.flatMap((d) => d['problems'] as string[]);
    const problemCount = done.reduce((a, d) => a + (d['problemCount'] as number), 0);
    checks.expect(report.total === expected, `server received ${count(report.total)} of ${count(expected)} messages`);
    checks.expect(report.clients === p.clients, `server counted messages from ${report.clients} of ${p.clients} clients`);
    checks.expect(report.exact === p.clients, `${p.clients - report.exact} clients did not deliver exactly ${p.messages} (min ${report.min}, max ${report.max})`);
    checks.expect(report.outOfOrder === 0, `${report.outOfOrder} messages arrived out of order`);
    checks.expect(problemCount === 0, `${problemCount} clients failed: ${problems.join('; ')}`);
    checks.expect(!server.hasExited, `the server exited${server.stderr === '' ? '' : `: ${server.stderr.slice(-500)}`}`);
    checks.expect(after.handlerErrors === 0, `server reported ${after.handlerErrors} handler errors: ${after.errorSamples.join('; ')}`);

    const perSec = report.total / (elapsedMs / 1000);
    return {
      id: 'bomb',
      pass: checks.pass,
      failures: checks.failures,
      summary: `${count(report.total)}/${count(expected)} delivered in ${secs(elapsedMs)} (${rate(perSec)} msg/s)`,
      figures: [
        `${count(p.clients)} concurrent clients in ${drivers.length} processes × ${count(p.messages)} notifications (window ${p.window} + a bomb.sync round trip)`,
        `per client: min ${count(report.min)} / max ${count(report.max)}, exact ${count(report.exact)}/${count(p.clients)}, out of order ${report.outOfOrder}`,
        `server RSS peak ${Math.round(after.peakRss / 1048576)} MiB`,
      ],
      data: { params: p, elapsedMs, msgPerSec: perSec, report, peakRss: after.peakRss },
    };
  } finally {
    await stopAll([...drivers, server]);
    ws.cleanup();
  }
}

export const bombSuite: Suite = { id: 'bomb', title: 'connection bomb: many clients × many messages, all delivered', run };
