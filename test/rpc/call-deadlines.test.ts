/** CallDeadlines: call timeouts in lanes with one timer each, driven by a simulated clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallDeadlines } from '../../src/rpc/call-deadlines.js';
import { connect } from '../../src/rpc/client.js';
import { FakeClock } from '../fixtures/resilience-clock.js';
import { startServer } from './rpc-harness.js';

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
});
