/** CallDeadlines: call timeouts in lanes with one timer each, driven by a simulated clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallDeadlines } from '../../src/util/call-deadlines.js';
import { connect } from '../../src/client/client.js';
import { FakeClock } from '../fixtures/resilience-clock.js';
import { RawClient, startServer } from './rpc-harness.js';
import { settle } from '../fixtures/resilience-clock.js';

/** A session stand-in: a set of pending ids; expiring one records it and removes it. */
function harness(clock = new FakeClock()) {
  const pending = new Set<number>();
  const expired: Array<[id: number, at: number, timeoutMs: number]> = [];
  const deadlines = new CallDeadlines(clock, {
    isPending: (id) => pending.has(id),
    pendingCount: () => pending.size,
    expire: (id, timeoutMs) => {
      pending.delete(id);
      expired.push([id, clock.now(), timeoutMs]);
    },
  });
  const start = clock.now();
  const add = (id: number, timeoutMs: number): void => {
    pending.add(id);
    deadlines.add(id, timeoutMs);
  };
  return { clock, pending, expired, deadlines, add, start };
}

describe('call deadlines', () => {
  it('each call expires exactly timeoutMs after it was added, in order, with one timer per timeout length', async () => {
    const h = harness();
    h.add(1, 100);
    await h.clock.advance(30);
    h.add(2, 100);
    h.add(3, 50); // a second length: its own lane and timer
    await h.clock.advance(10);
    h.add(4, 100);
    assert.equal(h.clock.pendingCount, 2, 'one timer per timeout length, not per call');
    await h.clock.advance(500);
    assert.deepEqual(
      h.expired.map(([id, at, ms]) => [id, at - h.start, ms]),
      [[3, 80, 50], [1, 100, 100], [2, 130, 100], [4, 140, 100]],
    );
    assert.equal(h.clock.pendingCount, 0, 'no timer left once every call expired');
    assert.equal(h.deadlines.size, 0);
  });

  it('a settled call does not expire, and settled calls are dropped when they reach the head', async () => {
    const h = harness();
    for (let id = 1; id <= 10; id++) h.add(id, 100);
    for (let id = 1; id <= 9; id++) h.pending.delete(id); // responses arrived
    await h.clock.advance(99);
    assert.equal(h.expired.length, 0);
    await h.clock.advance(1);
    assert.deepEqual(h.expired.map(([id, at]) => [id, at - h.start]), [[10, 100]]);
    assert.equal(h.deadlines.size, 0);
  });

  it('keeps memory proportional to pending calls behind one slow call (the lane is compacted)', async () => {
    const h = harness();
    h.add(0, 30_000); // never answered
    for (let id = 1; id <= 100_000; id++) {
      h.add(id, 30_000);
      h.pending.delete(id); // answered at once
    }
    assert.ok(h.deadlines.size <= 2 * h.pending.size + 1024 + 1, `${h.deadlines.size} entries held for ${h.pending.size} pending call`);
    await h.clock.advance(30_000);
    assert.deepEqual(h.expired.map(([id]) => id), [0]);
    assert.equal(h.deadlines.size, 0);
  });

  it('calls with many different timeouts, answered at once, do not keep a lane and a timer each', async () => {
    const h = harness();
    for (let id = 1; id <= 10_000; id++) {
      h.add(id, 1000 + id); // e.g. the time left of queued calls
      h.pending.delete(id);
    }
    h.add(0, 500); // one still pending
    assert.ok(h.clock.pendingCount <= 40, `${h.clock.pendingCount} timers armed for 1 pending call`);
    await h.clock.advance(500);
    assert.deepEqual(h.expired.map(([id]) => id), [0]);
  });

  it('clear() stops the timers: nothing expires after the session closed', async () => {
    const h = harness();
    h.add(1, 100);
    h.add(2, 200);
    h.deadlines.clear();
    assert.equal(h.clock.pendingCount, 0);
    await h.clock.advance(1000);
    assert.equal(h.expired.length, 0);
    h.add(3, 100); // a lane made again after clear() works as before
    await h.clock.advance(100);
    assert.deepEqual(h.expired.map(([id]) => id), [3]);
  });

  it('a timer that fires before the clock reaches the deadline waits again instead of expiring early', async () => {
    const clock = new FakeClock();
    const early: FakeClock = Object.assign(Object.create(clock) as FakeClock, {
      // Like a real timer that fires a millisecond before Date.now() shows the deadline.
      setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, Math.max(1, ms - 1)),
    });
    const h = harness(early);
    h.add(1, 100);
    await clock.advance(99);
    assert.equal(h.expired.length, 0, 'not expired at 99 ms');
    await clock.advance(1);
    assert.deepEqual(h.expired.map(([id, at]) => [id, at - h.start]), [[1, 100]]);
  });

  for (const mode of ['json', 'binary'] as const) {
    it(`a ${mode} client with the default call timeout arms no timer per call; a call that hangs still times out and is cancelled`, async () => {
      const t = await startServer();
      const cancelled: unknown[] = [];
      t.server.method('echo', (p) => p);
      t.server.method('hang', (_p, ctx) => new Promise(() => {
        ctx.signal.addEventListener('abort', () => cancelled.push(ctx.signal.reason));
      }));
      const clock = new FakeClock();
      const client = await connect({ endpoint: t.endpoint, mode, timers: clock, callTimeoutMs: 5000 });
      try {
        const timersBefore = clock.delays.length;
        const hung = client.call('hang');
        const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => client.call('echo', { i })));
        assert.equal(replies.length, 500);
        assert.ok(clock.delays.length - timersBefore <= 2, `${clock.delays.length - timersBefore} timers armed for 501 calls`);
        const outcome = assert.rejects(hung, (e: unknown) => (e as { code?: string }).code === 'ERR_TIMEOUT' && /'hang'.*5000 ms/.test((e as Error).message));
        await clock.advance(4999);
        assert.equal(cancelled.length, 0, 'not before its timeout');
        await clock.advance(1);
        await outcome;
        for (let i = 0; i < 50 && cancelled.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.equal(cancelled.length, 1, 'the $/cancel reached the handler');
      } finally {
        await client.close();
        await t.cleanup();
      }
    });
  }

  it('server requestTimeoutMs: hot-path requests arm no timer each, and a timed-out request gets -32003 with its signal aborted', async () => {
    const clock = new FakeClock();
    const t = await startServer({ timers: clock, limits: { requestTimeoutMs: 5000 } });
    const aborted: unknown[] = [];
    t.server.method('echo', (p) => p);
    t.server.method('later', (_p, ctx) => new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => aborted.push((ctx.signal.reason as Error).message));
      setTimeout(() => resolve('late'), 5);
    }));
    t.server.method('hang', (_p, ctx) => new Promise(() => {
      ctx.signal.addEventListener('abort', () => aborted.push((ctx.signal.reason as Error).message));
    }));
    const c = await RawClient.connect(t.path);
    try {
      const before = clock.delays.length;
      for (let id = 1; id <= 200; id++) c.send({ jsonrpc: '2.0', id, method: id % 2 === 0 ? 'echo' : 'later', params: { id } });
      for (let i = 0; i < 200; i++) assert.ok((await c.next()).result !== undefined);
      assert.ok(clock.delays.length - before <= 1, `${clock.delays.length - before} timers armed for 200 requests`);
      assert.equal(aborted.length, 0);
      c.send({ jsonrpc: '2.0', id: 'h', method: 'hang' });
      await settle();
      await clock.advance(4999);
      assert.equal(aborted.length, 0, 'not before its timeout');
      await clock.advance(1);
      const r = await c.next();
      assert.equal(r.id, 'h');
      assert.equal(r.error.code, -32003);
      assert.match(r.error.message, /'hang' ran longer than 5000 ms/);
      assert.deepEqual(aborted, [r.error.message]);
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('regression: an id used again after its request was answered is not timed out by the old request\'s deadline', async () => {
    const clock = new FakeClock();
    const t = await startServer({ timers: clock, limits: { requestTimeoutMs: 5000 } });
    const release: Array<() => void> = [];
    t.server.method('wait', () => new Promise<string>((resolve) => release.push(() => resolve('released'))));
    const c = await RawClient.connect(t.path);
    try {
      c.send({ jsonrpc: '2.0', id: 1, method: 'wait' });
      await waitForLength(release, 1);
      await clock.advance(1000);
      release[0]!();
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: 'released' });
      await clock.advance(1000);
      c.send({ jsonrpc: '2.0', id: 1, method: 'wait' }); // the same id, 2 s after the first one started
      await waitForLength(release, 2);
      await clock.advance(3500); // past the first request's deadline (5 s after it started)
      c.send({ jsonrpc: '2.0', id: 2, method: 'echo-less' }); // any reply: proves nothing else arrived first
      const next = await c.next();
      assert.equal(next.id, 2, `the second request with id 1 is still running (got ${JSON.stringify(next)})`);
      await clock.advance(1500); // 5 s after the second one started
      const r = await c.next();
      assert.equal(r.id, 1);
      assert.equal(r.error.code, -32003);
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});

/** Waits (real time) until `list` has `n` entries: the server got the request. */
async function waitForLength(list: readonly unknown[], n: number): Promise<void> {
  for (let i = 0; i < 500 && list.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.equal(list.length, n);
}
