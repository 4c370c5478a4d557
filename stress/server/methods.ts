/**
 * The methods every stress suite uses, registered on the stress server:
 * - `echo`: returns its params.
 * - `slow` `{ ms }`: resolves after `ms`, or early when the request is aborted (client gone).
 * - `publish` `{ topic, data? }`: publishes one event; returns how many it was queued for.
 * - `bomb.msg` (notification) `{ seq }`: counted per client, in order; `bomb.sync` → that
 *   client's `{ count, outOfOrder }`; `bomb.report` `{ expected }` → totals over all clients.
 * - `mem.publish` `{ topic, count, bytes, intervalMs }`: starts publishing `count` events of
 *   `bytes` each (paced); `mem.status` → progress; `mem.sink` `{ data }` → `{ bytes }`.
 * - `durable` (notification) `{ id }`: writes `{ type: 'durable', id }` to stdout at once.
 * - `stress.stats` `{ gcSamples? }`, `stress.clients`, `stress.resetPeak`: self-measurements.
 */
import type { Server } from '../../src/index.js';
import { emit } from '../lib/child-io.js';
import { heapAfterGc, processStats, type RssSampler } from './stats.js';

interface BombCount {
  count: number;
  lastSeq: number;
  outOfOrder: number;
}

/** State kept by the methods (bounded: the bomb map is cleared by `bomb.reset`). */
export interface MethodState {
  readonly bomb: Map<string, BombCount>;
  /** `slow` handlers running now. */
  slowRunning: number;
  handlerErrors: number;
  readonly errorSamples: string[];
  readonly publisher: { published: number; queued: number; done: boolean };
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function numberOf(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function registerBomb(server: Server, state: MethodState): void {
  server.onNotification('bomb.msg', (params, ctx) => {
    const seq = numberOf(recordOf(params)['seq'], -1);
    let entry = state.bomb.get(ctx.clientId);
    if (entry === undefined) {
      entry = { count: 0, lastSeq: -1, outOfOrder: 0 };
      state.bomb.set(ctx.clientId, entry);
    }
    if (seq !== entry.lastSeq + 1) entry.outOfOrder++;
    entry.lastSeq = seq;
    entry.count++;
  });
  server.method('bomb.sync', (_params, ctx) => {
    const entry = state.bomb.get(ctx.clientId);
    return { count: entry?.count ?? 0, outOfOrder: entry?.outOfOrder ?? 0 };
  });
  server.method('bomb.report', (params) => {
    const expected = numberOf(recordOf(params)['expected'], -1);
    let total = 0;
    let min = Infinity;
    let max = 0;
    let outOfOrder = 0;
    let exact = 0;
    for (const e of state.bomb.values()) {
      total += e.count;
      min = Math.min(min, e.count);
      max = Math.max(max, e.count);
      outOfOrder += e.outOfOrder;
      if (e.count === expected) exact++;
    }
    return { clients: state.bomb.size, total, min: state.bomb.size === 0 ? 0 : min, max, outOfOrder, exact };
  });
}

function registerMemory(server: Server, state: MethodState): void {
  server.method('mem.publish', (params) => {
    const p = recordOf(params);
    const topic = String(p['topic'] ?? 'mem.big');
    const count = numberOf(p['count'], 10);
    const bytes = numberOf(p['bytes'], 1024);
    const intervalMs = numberOf(p['intervalMs'], 10);
    const blob = 'x'.repeat(bytes);
    const pub = state.publisher;
    pub.published = 0;
    pub.queued = 0;
    pub.done = false;
    const tick = (): void => {
      pub.queued += server.publish(topic, { seq: pub.published, blob });
      pub.published++;
      if (pub.published >= count) pub.done = true;
      else setTimeout(tick, intervalMs);
    };
    setTimeout(tick, 0);
    return { started: true };
  });
  server.method('mem.status', () => ({ ...state.publisher }));
  server.method('mem.sink', (params) => {
    const data = recordOf(params)['data'];
    return { bytes: typeof data === 'string' ? data.length : -1 };
  });
}

function registerStats(server: Server, state: MethodState, sampler: RssSampler): void {
  server.method('stress.stats', async (params) => {
    const gcSamples = numberOf(recordOf(params)['gcSamples'], 0);
    const heapGc = gcSamples > 0 ? await heapAfterGc(gcSamples) : undefined;
    return {
      ...processStats(sampler),
      heapAfterGc: heapGc ?? null,
      connections: server.connectionCount,
      clients: server.clients().length,
      serverListeners: {
        connect: server.listenerCount('connect'),
        disconnect: server.listenerCount('disconnect'),
        error: server.listenerCount('error'),
      },
      slowRunning: state.slowRunning,
      handlerErrors: state.handlerErrors,
      errorSamples: state.errorSamples,
    };
  });
  server.method('stress.resetPeak', () => {
    sampler.reset();
    return { rss: process.memoryUsage.rss() };
  });
  server.method('stress.clients', () =>
    server.clients().map((c) => ({
      clientId: c.clientId,
      name: c.client?.name ?? '',
      droppedEvents: c.droppedEvents,
      bufferedBytes: c.bufferedBytes,
      subscriptions: c.subscriptions.length,
    })),
  );
}

export function registerMethods(server: Server, sampler: RssSampler): MethodState {
  const state: MethodState = {
    bomb: new Map(),
    slowRunning: 0,
    handlerErrors: 0,
    errorSamples: [],
    publisher: { published: 0, queued: 0, done: true },
  };
  server.on('error', (err, site) => {
    state.handlerErrors++;
    if (state.errorSamples.length < 5) state.errorSamples.push(`${site.method ?? 'listener'}: ${err.message}`);
  });
  server.method('echo', (params) => params);
  server.method('slow', (params, ctx) => {
    const wait = numberOf(recordOf(params)['ms'], 100);
    state.slowRunning++;
    return new Promise<{ slept: number }>((resolve) => {
      const started = Date.now();
      const done = (): void => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', done);
        state.slowRunning--;
        resolve({ slept: Date.now() - started });
      };
      const timer = setTimeout(done, wait);
      ctx.signal.addEventListener('abort', done, { once: true });
    });
  });
  server.method('publish', (params) => {
    const p = recordOf(params);
    return server.publish(String(p['topic']), p['data'] ?? null);
  });
  server.onNotification('durable', (params) => {
    emit({ type: 'durable', id: recordOf(params)['id'] ?? null });
  });
  registerBomb(server, state);
  registerMemory(server, state);
  registerStats(server, state, sampler);
  return state;
}
