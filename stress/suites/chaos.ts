/**
 * Suite 5 — chaos, R rounds with a fixed seed. Throughout, a traffic process runs G reconnecting
 * clients that call and send durable notifications. Each round: an attacker process sends A
 * hostile inputs (corrupted bytes, invalid UTF-8, truncated lines, oversized lines, half-open and
 * idle connections, clients that vanish mid-request or mid-write, binary and text junk, deep
 * nesting, big batches, oversized calls) — the server must react as documented and stay up —
 * then the server is killed with SIGKILL mid-traffic and restarted on the same endpoint.
 * Bounds: the server never exits on input; every call and durable notify settles (resolved or a
 * coded error), none hangs; every durable notification is recorded exactly once by the server's
 * durable store across all server processes (and reaches the handler at most once — the
 * documented guarantee of a store whose write is the effect, docs/reconnect.md); every client is
 * ready again within its backoff delay + 100 ms of the new server being ready (plus the timer lag
 * its own process suffered, measured: host load, not sidewire).
 */
import * as path from 'node:path';
import type { Client } from '../../src/index.js';
import { readRecords } from '../server/durable-file-store.js';
import { stopAll, StressChild } from '../lib/child.js';
import { count, MiB, percentiles } from '../lib/format.js';
import { controlClient, pollUntil, serverStats, startServerChild, workspace, type Workspace } from '../lib/harness.js';
import { Random } from '../lib/random.js';
import { Checks, type Suite, type SuiteContext, type SuiteResult } from '../lib/suite.js';

export interface ChaosParams {
  readonly rounds: number;
  readonly attacks: number;
  readonly concurrency: number;
  readonly clients: number;
  readonly callIntervalMs: number;
  readonly durableIntervalMs: number;
  readonly callTimeoutMs: number;
  readonly maxMessageBytes: number;
  /** Reconnect backoff of the traffic clients. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Recovery target: backoff delay + this. */
  readonly recoveryMarginMs: number;
}

export const CHAOS_FULL: ChaosParams = {
  rounds: 12,
  attacks: 48,
  concurrency: 6,
  clients: 8,
  callIntervalMs: 20,
  durableIntervalMs: 100,
  callTimeoutMs: 5000,
  maxMessageBytes: 1 * MiB,
  initialDelayMs: 100,
  maxDelayMs: 1000,
  recoveryMarginMs: 100,
};

export const CHAOS_QUICK: ChaosParams = { ...CHAOS_FULL, rounds: 2, attacks: 16, clients: 4 };

interface Outcome {
  ok: number;
  coded: Record<string, number>;
  uncoded: number;
  hung: number;
  samples: string[];
}

interface Recovery {
  readonly round: number;
  /** From the new server's `ready` to the client's `ready`. */
  readonly ms: number;
  /** Backoff delay of the attempt that succeeded. */
  readonly delayMs: number;
  /** How late that attempt started: the traffic process's own timer lag (host load). */
  readonly lagMs: number;
  /** Connect + `$/hello` of that attempt. */
  readonly handshakeMs: number;
  readonly within: boolean;
}

function codedTotal(o: Outcome): number {
  return Object.values(o.coded).reduce((a, b) => a + b, 0);
}

function describeCodes(o: Outcome): string {
  const entries = Object.entries(o.coded).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${count(v)}`).join(', ');
}

function durableFile(ws: Workspace): string {
  return path.join(ws.dir, 'durable.jsonl');
}

function startServer(ws: Workspace, p: ChaosParams, n: number): Promise<StressChild> {
  return startServerChild(ws, `chaos server #${n}`, { limits: { maxMessageBytes: p.maxMessageBytes, halfOpenTimeoutMs: 1000 }, durableFile: durableFile(ws) });
}

/** How many times each id was recorded by the store / seen by a handler. */
function tally(ids: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

/** Checks that the server is alive and serving after the attacks; false when it is not. */
async function aliveAfterAttacks(ws: Workspace, server: StressChild, round: number, checks: Checks): Promise<void> {
  if (!checks.expect(!server.hasExited, `round ${round}: the server exited during the attacks: ${server.stderr.slice(-800)}`)) return;
  let control: Client | undefined;
  try {
    control = await controlClient(ws.endpoint);
    const stats = await serverStats(control);
    checks.expect(stats.handlerErrors === 0, `round ${round}: server handler errors: ${stats.errorSamples.join('; ')}`);
  } catch (err) {
    checks.expect(false, `round ${round}: the server does not serve after the attacks: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await control?.close();
  }
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = ctx.quick ? CHAOS_QUICK : CHAOS_FULL;
  const checks = new Checks();
  const rng = new Random(ctx.seed);
  const ws = workspace('chaos');
  const servers: StressChild[] = [];
  let server = await startServer(ws, p, 1);
  servers.push(server);
  const traffic = new StressChild('chaos traffic', 'clients/chaos-traffic.ts', {
    endpoint: ws.endpoint,
    clients: p.clients,
    seed: ctx.seed,
    callIntervalMs: p.callIntervalMs,
    durableIntervalMs: p.durableIntervalMs,
    callTimeoutMs: p.callTimeoutMs,
    initialDelayMs: p.initialDelayMs,
    maxDelayMs: p.maxDelayMs,
  });
  const attacker = new StressChild('chaos attacker', 'clients/chaos-attacker.ts', { endpoint: ws.endpoint });
  const recoveries: Recovery[] = [];
  const attackProblems: string[] = [];
  const kinds: Record<string, number> = {};
  try {
    await Promise.all([traffic.waitFor('ready', 60_000), attacker.waitFor('ready', 60_000)]);
    traffic.send({ type: 'go' });
    for (let round = 1; round <= p.rounds; round++) {
      const from = attacker.messages.length;
      attacker.send({ type: 'attack', round, count: p.attacks, seed: rng.int(0, 2 ** 31), concurrency: p.concurrency, maxMessageBytes: p.maxMessageBytes });
      const roundStart = performance.now();
      const attacked = await attacker.waitFor('attacked', 180_000, (m) => m['round'] === round, from);
      const attackMs = performance.now() - roundStart;
      for (const [k, v] of Object.entries(attacked['kinds'] as Record<string, number>)) kinds[k] = (kinds[k] ?? 0) + v;
      attackProblems.push(...(attacked['problems'] as string[]).map((x) => `round ${round}: ${x}`));
      await aliveAfterAttacks(ws, server, round, checks);

      // kill -9 mid-traffic, stay down a while, restart on the same endpoint.
      await new Promise((r) => setTimeout(r, rng.int(0, 300)));
      const recoveredFrom = traffic.messages.length;
      await server.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, rng.int(100, 800)));
      const restartAt = performance.now();
      server = await startServer(ws, p, round + 1);
      servers.push(server);
      const restartMs = performance.now() - restartAt;
      const serverReadyAt = server.messages.find((m) => m.type === 'ready')!['readyAt'] as number;
      const recovered = await Promise.all(
        Array.from({ length: p.clients }, (_, i) => traffic.waitFor('recovered', 60_000, (m) => m['client'] === i, recoveredFrom)),
      );
      for (const m of recovered) {
        const recoveryMs = Math.max(0, (m['readyAt'] as number) - serverReadyAt);
        const delayMs = m['delayMs'] as number;
        const lagMs = m['lagMs'] as number;
        // The attempt that succeeded started at most delayMs after the server was ready, later only
        // by the client process's timer lag; connect + hello must then take ≤ the margin.
        recoveries.push({ round, ms: recoveryMs, delayMs, lagMs, handshakeMs: m['handshakeMs'] as number, within: recoveryMs <= delayMs + lagMs + p.recoveryMarginMs });
      }
      ctx.progress(
        `chaos: round ${round}/${p.rounds}: ${count(p.attacks)} attacks (${Math.round(attackMs)} ms), kill -9, restart (${Math.round(restartMs)} ms); ` +
          `clients ready again after ${recovered.map((m) => Math.max(0, (m['readyAt'] as number) - serverReadyAt)).join('/')} ms`,
      );
    }
    const fromFinish = traffic.messages.length;
    traffic.send({ type: 'finish' });
    const finished = await traffic.waitFor('finished', 120_000, () => true, fromFinish);
    const sentIds = finished['sentIds'] as string[];
    const recorded = (): Map<string, number> => tally(readRecords(durableFile(ws)).map((r) => String((r as { id?: unknown } | null)?.id)));
    await pollUntil(() => {
      const m = recorded();
      return sentIds.every((id) => m.has(id));
    }, 30_000);
    const delivered = recorded();
    const missing = sentIds.filter((id) => !delivered.has(id));
    const duplicated = [...delivered.entries()].filter(([, n]) => n > 1);
    const handled = tally(servers.flatMap((s) => s.messages.filter((m) => m.type === 'durable').map((m) => String(m['id']))));
    const handledTwice = [...handled.entries()].filter(([, n]) => n > 1);
    const notHandled = sentIds.filter((id) => !handled.has(id));
    const calls = finished['calls'] as Outcome;
    const dur = finished['durable'] as Outcome;
    const late = recoveries.filter((r) => !r.within);

    checks.expect(calls.hung === 0 && dur.hung === 0, `${calls.hung} calls and ${dur.hung} durable notifies hung: ${[...calls.samples, ...dur.samples].join('; ')}`);
    checks.expect(calls.uncoded === 0 && dur.uncoded === 0, `${calls.uncoded} calls and ${dur.uncoded} durable notifies rejected without a code: ${[...calls.samples, ...dur.samples].join('; ')}`);
    checks.expect(codedTotal(dur) === 0, `durable notifies rejected: ${describeCodes(dur)}`);
    checks.expect(missing.length === 0, `${missing.length} of ${sentIds.length} durable notifications never delivered (e.g. ${missing.slice(0, 5).join(', ')})`);
    checks.expect(duplicated.length === 0, `${duplicated.length} durable notifications recorded more than once (e.g. ${duplicated.slice(0, 5).map(([id, n]) => `${id}×${n}`).join(', ')})`);
    checks.expect(handledTwice.length === 0, `${handledTwice.length} durable notifications reached the handler twice (e.g. ${handledTwice.slice(0, 5).map(([id]) => id).join(', ')})`);
    checks.expect(finished['gaveUp'] === 0, `${String(finished['gaveUp'])} traffic clients gave up reconnecting`);
    checks.expect(attackProblems.length === 0, `${attackProblems.length} attacks got an undocumented reaction: ${attackProblems.slice(0, 5).join(' | ')}`);
    checks.expect(
      late.length === 0,
      `${late.length} of ${recoveries.length} recoveries exceeded backoff + ${p.recoveryMarginMs} ms: ${late
        .slice(0, 5)
        .map((r) => `round ${r.round}: ${r.ms} ms (delay ${r.delayMs} ms, timer lag ${r.lagMs} ms, connect + hello ${r.handshakeMs} ms)`)
        .join(', ')}`,
    );
    checks.expect(!server.hasExited, `the last server exited: ${server.stderr.slice(-500)}`);

    const rec = percentiles(recoveries.map((r) => r.ms));
    const hs = percentiles(recoveries.map((r) => r.handshakeMs));
    const lag = percentiles(recoveries.map((r) => r.lagMs));
    const slack = percentiles(recoveries.map((r) => r.ms - r.delayMs - r.lagMs));
    const attacksTotal = Object.values(kinds).reduce((a, b) => a + b, 0);
    const callTotal = calls.ok + codedTotal(calls) + calls.uncoded + calls.hung;
    return {
      id: 'chaos',
      pass: checks.pass,
      failures: checks.failures,
      summary: `${p.rounds} rounds (seed ${ctx.seed}): ${count(callTotal)} calls settled (${calls.hung} hung, ${calls.uncoded} uncoded), ${count(attacksTotal)} attacks, server never crashed on input, ${count(sentIds.length - missing.length)}/${count(sentIds.length)} durable recorded exactly once, recovery p50 ${rec.p50} ms / max ${rec.max} ms (all ≤ backoff + ${p.recoveryMarginMs} ms: ${late.length === 0 ? 'yes' : `no, ${late.length} late`})`,
      figures: [
        `traffic: ${p.clients} reconnecting clients (backoff ${p.initialDelayMs} ms ×2, cap ${p.maxDelayMs} ms, ±20 %); calls ok ${count(calls.ok)}, coded errors: ${describeCodes(calls)}`,
        `durable: ${count(sentIds.length)} sent (${count(finished['spooled'] as number)} spooled while the server was down): recorded by the store ${count(delivered.size)} (${duplicated.length} twice, ${missing.length} missing); handler ran for ${count(sentIds.length - notHandled.length)} (${notHandled.length} skipped by a kill between record and handler — at most once by design)`,
        `attacks: ${Object.entries(kinds).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
        `${p.rounds} × kill -9 + restart, ${recoveries.length} client recoveries after the new server was ready: p50 ${rec.p50} / max ${rec.max} ms; ` +
          `recovery − (backoff delay + timer lag): p50 ${slack.p50} / max ${slack.max} ms (bound ${p.recoveryMarginMs}); connect + hello p50 ${hs.p50} / max ${hs.max} ms; timer lag max ${lag.max} ms`,
      ],
      data: { params: p, calls, durable: { ...dur, sent: sentIds.length, missing: missing.length, duplicates: duplicated.length, notHandled: notHandled.length }, recoveries, attacks: kinds, attackProblems },
    };
  } finally {
    await stopAll([traffic, attacker, ...servers]);
    ws.cleanup();
  }
}

export const chaosSuite: Suite = { id: 'chaos', title: 'chaos: kill -9, garbage, truncation, floods, vanishing clients', run };
