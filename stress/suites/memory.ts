/**
 * Suite 2 — memory bound. One server process; a readers process with S slow clients (subscribe,
 * then never read) and F fast clients (read every event, `echo` every few ms); a flood process
 * with X connections sending lines of just under and just over maxMessageBytes (M). The server
 * publishes N events of E bytes, paced. Run once per slow-consumer policy (`drop` with the
 * flood, `disconnect` without it).
 *
 * Bound (documented in docs/stress.md), from the server limits:
 *   peak RSS ≤ base RSS + (S + F) × highWaterMark + X × 4 × M + 128 MiB
 * (each connection buffers at most the high-water mark of events; a line being decoded costs at
 * most ~4 × M: its chunks, the joined buffer, the string and the parsed value; 128 MiB is the
 * garbage allowance: V8 collects after the heap or external memory grew by a limit of that order,
 * so finished lines and encoded events linger until then). Also: `drop` — every slow client is still connected and has
 * dropped events, its buffer ≤ the high-water mark; `disconnect` — every slow client was
 * disconnected; both — fast clients got every event in order, with no dropped event and no
 * failed call; the flood's lines were accepted/rejected (-32004) and its connections survive.
 */
import type { Client } from '../../src/index.js';
import { stopAll, StressChild } from '../lib/child.js';
import { count, mib, ms, MiB } from '../lib/format.js';
import { controlClient, pollUntil, serverStats, startServerChild, workspace } from '../lib/harness.js';
import { Checks, type Suite, type SuiteContext, type SuiteResult } from '../lib/suite.js';

export interface MemoryParams {
  readonly slow: number;
  readonly fast: number;
  readonly highWaterMarkBytes: number;
  readonly eventBytes: number;
  readonly events: number;
  readonly intervalMs: number;
  readonly flooders: number;
  readonly floodMessages: number;
  readonly oversized: number;
  readonly maxMessageBytes: number;
}

export const MEMORY_FULL: MemoryParams = {
  slow: 24,
  fast: 4,
  highWaterMarkBytes: 8 * MiB,
  eventBytes: 256 * 1024,
  events: 300,
  intervalMs: 10,
  flooders: 2,
  floodMessages: 4,
  oversized: 2,
  maxMessageBytes: 16 * MiB,
};

export const MEMORY_QUICK: MemoryParams = {
  slow: 6,
  fast: 2,
  highWaterMarkBytes: 2 * MiB,
  eventBytes: 128 * 1024,
  events: 60,
  intervalMs: 10,
  flooders: 1,
  floodMessages: 2,
  oversized: 1,
  maxMessageBytes: 16 * MiB,
};

/** Garbage V8 may hold before its next major GC (see the file comment). */
export const GARBAGE_ALLOWANCE = 128 * MiB;
const TOPIC = 'mem.big';

/** The documented bound. */
export function memoryBound(p: MemoryParams, baseRss: number, flooders: number): number {
  return baseRss + (p.slow + p.fast) * p.highWaterMarkBytes + flooders * 4 * p.maxMessageBytes + GARBAGE_ALLOWANCE;
}

interface ClientRow {
  clientId: string;
  name: string;
  droppedEvents: number;
  bufferedBytes: number;
}

interface PhaseResult {
  readonly policy: 'drop' | 'disconnect';
  readonly baseRss: number;
  readonly peakRss: number;
  readonly bound: number;
  readonly slowDropped: number;
  readonly slowGone: number;
  readonly fastReceived: number[];
  readonly echoCalls: number;
  readonly echoMaxMs: number;
  readonly flood: Record<string, unknown> | undefined;
}

async function phase(ctx: SuiteContext, p: MemoryParams, policy: 'drop' | 'disconnect', checks: Checks): Promise<PhaseResult> {
  const withFlood = policy === 'drop' && p.flooders > 0;
  const ws = workspace('mem');
  const server = await startServerChild(ws, `memory server (${policy})`, {
    limits: { highWaterMarkBytes: p.highWaterMarkBytes, slowConsumer: policy, maxMessageBytes: p.maxMessageBytes },
  });
  const common = { endpoint: ws.endpoint, topic: TOPIC, maxMessageBytes: p.maxMessageBytes, echoIntervalMs: 5, expectEvents: p.events };
  const readers = new StressChild('memory readers', 'clients/memory-client.ts', { ...common, role: 'readers', slow: p.slow, fast: p.fast });
  const flood = withFlood
    ? new StressChild('memory flood', 'clients/memory-client.ts', { ...common, role: 'flood', flooders: p.flooders, floodMessages: p.floodMessages, oversized: p.oversized })
    : undefined;
  let control: Client | undefined;
  try {
    await Promise.all([readers.waitFor('ready', 60_000), flood?.waitFor('ready', 60_000)]);
    control = await controlClient(ws.endpoint);
    await control.call('stress.resetPeak');
    const base = await serverStats(control);
    ctx.progress(`memory (${policy}): base RSS ${mib(base.rss)}; publishing ${p.events} × ${p.eventBytes / 1024} KiB${withFlood ? `, flooding ${p.flooders} × ${p.floodMessages + p.oversized} × ${p.maxMessageBytes / MiB} MiB lines` : ''}`);
    readers.send({ type: 'go' });
    flood?.send({ type: 'go' });
    await control.call('mem.publish', { topic: TOPIC, count: p.events, bytes: p.eventBytes, intervalMs: p.intervalMs });
    const published = await pollUntil(async () => ((await control!.call('mem.status')) as { done: boolean }).done, 300_000);
    checks.expect(published, `${policy}: the server did not finish publishing`);
    const floodReport = await flood?.waitFor('report', 300_000);
    const stats = await serverStats(control);
    const rows = (await control.call('stress.clients')) as ClientRow[];
    readers.send({ type: 'stop' });
    const report = await readers.waitFor('report', 60_000);

    const bound = memoryBound(p, base.rss, withFlood ? p.flooders : 0);
    const slowRows = rows.filter((r) => r.name.startsWith('slow-'));
    const fastRows = rows.filter((r) => r.name.startsWith('fast-'));
    const received = report['received'] as number[];
    checks.expect(stats.peakRss <= bound, `${policy}: server peak RSS ${mib(stats.peakRss)} > bound ${mib(bound)}`);
    if (policy === 'drop') {
      checks.expect(slowRows.length === p.slow, `drop: only ${slowRows.length} of ${p.slow} slow clients still connected`);
      const notDropping = slowRows.filter((r) => r.droppedEvents === 0).length;
      checks.expect(notDropping === 0, `drop: ${notDropping} slow clients had no dropped events`);
      const over = slowRows.filter((r) => r.bufferedBytes > p.highWaterMarkBytes);
      checks.expect(over.length === 0, `drop: ${over.length} slow clients buffer more than the high-water mark (${over.map((r) => r.bufferedBytes).join(', ')})`);
    } else {
      checks.expect(slowRows.length === 0, `disconnect: ${slowRows.length} of ${p.slow} slow clients are still connected`);
    }
    checks.expect(fastRows.length === p.fast, `${policy}: ${p.fast - fastRows.length} fast clients were disconnected`);
    const fastDropped = fastRows.reduce((a, r) => a + r.droppedEvents, 0);
    checks.expect(fastDropped === 0, `${policy}: the server dropped ${fastDropped} events for fast clients`);
    checks.expect(received.every((n) => n === p.events), `${policy}: fast clients received ${received.join(', ')} of ${p.events} events`);
    checks.expect(report['outOfOrder'] === 0, `${policy}: ${String(report['outOfOrder'])} events out of order`);
    checks.expect(report['errors'] === 0 && (report['calls'] as number) > 0, `${policy}: fast clients' echo calls: ${String(report['errors'])} failed of ${String(report['calls'])} (${(report['errorSamples'] as string[]).join('; ')})`);
    if (floodReport !== undefined) {
      checks.expect(floodReport['accepted'] === p.flooders * p.floodMessages, `flood: ${String(floodReport['accepted'])} of ${p.flooders * p.floodMessages} lines under the limit accepted`);
      checks.expect(floodReport['rejected'] === p.flooders * p.oversized, `flood: ${String(floodReport['rejected'])} of ${p.flooders * p.oversized} oversized lines answered -32004`);
      checks.expect(floodReport['pings'] === p.flooders * p.oversized, `flood: connections did not survive oversized lines (${(floodReport['problems'] as string[]).join('; ')})`);
    }
    checks.expect(!server.hasExited, `${policy}: the server exited: ${server.stderr.slice(-500)}`);
    checks.expect(stats.handlerErrors === 0, `${policy}: server handler errors: ${stats.errorSamples.join('; ')}`);
    return {
      policy,
      baseRss: base.rss,
      peakRss: stats.peakRss,
      bound,
      slowDropped: slowRows.reduce((a, r) => a + r.droppedEvents, 0),
      slowGone: p.slow - slowRows.length,
      fastReceived: received,
      echoCalls: report['calls'] as number,
      echoMaxMs: report['echoMaxMs'] as number,
      flood: floodReport === undefined ? undefined : { accepted: floodReport['accepted'], rejected: floodReport['rejected'], pings: floodReport['pings'] },
    };
  } finally {
    await control?.close();
    await stopAll([readers, flood, server]);
    ws.cleanup();
  }
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const p = ctx.quick ? MEMORY_QUICK : MEMORY_FULL;
  const checks = new Checks();
  const drop = await phase(ctx, p, 'drop', checks);
  const disconnect = await phase(ctx, p, 'disconnect', checks);
  const hwm = mib(p.highWaterMarkBytes);
  return {
    id: 'memory',
    pass: checks.pass,
    failures: checks.failures,
    summary: `peak RSS ${mib(drop.peakRss)} ≤ bound ${mib(drop.bound)} (drop), ${mib(disconnect.peakRss)} ≤ ${mib(disconnect.bound)} (disconnect); fast clients got ${p.events}/${p.events} events`,
    figures: [
      `bound = base RSS + (${p.slow} slow + ${p.fast} fast) × ${hwm} high-water mark + ${p.flooders} flooders × 4 × ${mib(p.maxMessageBytes)} + 128 MiB GC allowance (no flood in the disconnect run); base ${mib(drop.baseRss)} / ${mib(disconnect.baseRss)}`,
      `published ${p.events} × ${p.eventBytes / 1024} KiB events every ${p.intervalMs} ms to ${p.slow + p.fast} subscribers`,
      `drop: ${p.slow - drop.slowGone}/${p.slow} slow clients kept, ${count(drop.slowDropped)} events dropped for them; disconnect: ${disconnect.slowGone}/${p.slow} slow clients disconnected`,
      `fast clients: ${count(drop.echoCalls + disconnect.echoCalls)} echo calls, none failed, max ${ms(Math.max(drop.echoMaxMs, disconnect.echoMaxMs))}`,
      drop.flood === undefined
        ? 'flood: none'
        : `flood: ${String(drop.flood['accepted'])} lines of ${mib(p.maxMessageBytes)} − 64 B accepted, ${String(drop.flood['rejected'])} oversized answered -32004, connections kept serving`,
    ],
    data: { params: p, drop, disconnect },
  };
}

export const memorySuite: Suite = { id: 'memory', title: 'memory bound: slow readers, large events, 16 MiB floods', run };
