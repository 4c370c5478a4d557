/**
 * A client left running while its server is unreachable for 60 s (simulated clock, unlimited
 * attempts) and called all along: bounded queue, bounded timers, a bounded number of attempts,
 * every call settles; then the server is back and the client reconnects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ConnectionError } from '../../src/errors.js';
import { connect, type Client } from '../../src/client/client.js';
import { connectTransport } from '../../src/transport/connect.js';
import { FakeClock } from '../fixtures/resilience-clock.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';

describe('a long outage (simulated 60 s)', () => {
  let t: TestServer;
  const keepAlive = setInterval(() => undefined, 1000);
  before(async () => {
    t = await startServer();
    t.server.method('echo', (p) => p);
  });
  after(async () => {
    clearInterval(keepAlive);
    await t.cleanup();
  });

  it('uses bounded memory while down and reconnects when the server is back', async () => {
    const clock = new FakeClock();
    const sockets: Socket[] = [];
    let down = false;
    let attempts = 0;
    let client: Client | undefined;
    try {
      client = await connect({
        endpoint: t.endpoint,
        env: t.env,
        app: t.app,
        timers: clock,
        reconnect: { maxAttempts: Infinity, random: () => 0.5 },
        queue: { maxSize: 50, timeoutMs: 5000 },
        callTimeoutMs: 10_000,
        transportFactory: async (target, o) => {
          attempts++;
          if (down) throw new ConnectionError('ERR_NOT_RUNNING', 'no server (simulated outage)');
          const s = await connectTransport(target.endpoint, o);
          sockets.push(s);
          return s;
        },
      });
      const c = client;
      const statuses = c.status(); // never read during the outage: its buffer must stay bounded too
      down = true;
      attempts = 0;
      sockets.at(-1)!.destroy();
      await waitFor(() => c.state === 'reconnecting', 5000, 'reconnecting');

      const outcomes: Array<Promise<string>> = [];
      let maxQueued = 0;
      let maxTimers = 0;
      for (let ms = 0; ms < 60_000; ms += 100) {
        outcomes.push(c.call('echo', [ms]).then(() => 'ok', (e: unknown) => String((e as { code?: unknown }).code)));
        await clock.advance(100);
        maxQueued = Math.max(maxQueued, c.queued);
        maxTimers = Math.max(maxTimers, clock.pendingCount);
      }
      assert.ok(maxQueued <= 50, `queue bounded (max ${maxQueued})`);
      assert.ok(maxTimers <= 50 + 3, `timers bounded (max ${maxTimers})`);
      // 100+200+…+3200 ms, then every 5 s: about 17 attempts in 60 s, not one per call.
      assert.ok(attempts >= 14 && attempts <= 20, `${attempts} attempts in 60 s`);
      assert.equal(c.state, 'reconnecting');

      down = false;
      await clock.advance(5000);
      await waitFor(() => c.state === 'ready', 10_000, 'ready again');
      assert.deepEqual(await c.call('echo', ['back']), ['back']);
      const settled = await Promise.all(outcomes);
      const counts: Record<string, number> = {};
      for (const o of settled) counts[o] = (counts[o] ?? 0) + 1;
      assert.deepEqual(Object.keys(counts).sort(), ['ERR_QUEUE_FULL', 'ERR_TIMEOUT', 'ok'].filter((k) => counts[k] !== undefined).sort());
      assert.ok((counts['ERR_TIMEOUT'] ?? 0) > 0 && (counts['ok'] ?? 0) > 0, JSON.stringify(counts));

      // The unread status iterator kept only its most recent entries.
      let buffered = 0;
      for (;;) {
        const r = await Promise.race([statuses.next(), new Promise<'empty'>((resolve) => setImmediate(() => resolve('empty')))]);
        if (r === 'empty' || r.done === true) break;
        buffered++;
      }
      assert.ok(buffered <= 32, `status buffer bounded (${buffered})`);
      await statuses.return?.();
    } finally {
      await client?.close();
    }
  });
});
