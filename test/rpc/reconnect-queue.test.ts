/**
 * A reconnecting client against an in-process server: the bounded call queue, deadlines,
 * ERR_CONNECTION_LOST vs idempotent retry, re-subscription, and close().
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect, type Client } from '../../src/client/client.js';
import type { TransportFactory } from '../../src/client/client-options.js';
import { serve, type Server } from '../../src/server/server.js';
import { connectTransport } from '../../src/transport/connect.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';

/** A transport that remembers its sockets, so a test can cut the connection from the client side. */
function droppable(): { factory: TransportFactory; drop(): void } {
  const sockets: Socket[] = [];
  return {
    factory: async (target, o) => {
      const s = await connectTransport(target.endpoint, o);
      sockets.push(s);
      return s;
    },
    drop: () => sockets.at(-1)?.destroy(),
  };
}

const fast = { initialDelayMs: 10, maxDelayMs: 40, jitter: 0, maxAttempts: Infinity } as const;

/** Client timers are unref()'d by design: while no server runs, this keeps the test process alive. */
const keepAlive = setInterval(() => undefined, 1000);
after(() => clearInterval(keepAlive));

describe('reconnecting client: queue and resubscribe', () => {
  let t: TestServer;
  let server: Server;
  const arrivals: unknown[] = [];
  const notes: unknown[] = [];
  const install = (s: Server): void => {
    s.method('record', (p) => {
      arrivals.push(p);
      return p;
    });
    s.onNotification('note', (p) => void notes.push(p));
  };
  before(async () => {
    t = await startServer();
    server = t.server;
    install(server);
  });
  after(async () => {
    await server.close({ deadlineMs: 0 });
    await t.cleanup();
  });

  const restart = async (): Promise<void> => {
    server = await serve({ app: t.app, endpoint: t.endpoint, env: t.env, cleanupOnExit: false });
    install(server);
  };

  it('calls and notifications wait while reconnecting and go out in order after hello; topics are re-subscribed', async () => {
    const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: fast });
    try {
      const firstId = client.clientId;
      const events: unknown[] = [];
      await client.subscribe('news.*', (d) => void events.push(d));
      const reconnected = new Promise<{ previousClientId: string | undefined; clientId: string }>((resolve) => client.once('reconnect', resolve));
      await server.close({ deadlineMs: 0 });
      await waitFor(() => client.state === 'reconnecting', 5000, 'reconnecting');
      arrivals.length = 0;
      const calls = [1, 2, 3].map((n) => client.call('record', [n]));
      client.notify('note', { queued: true });
      assert.equal(client.queued, 4);
      await restart();
      assert.deepEqual(await Promise.all(calls), [[1], [2], [3]]);
      assert.deepEqual(arrivals, [[1], [2], [3]], 'flushed in order');
      await waitFor(() => notes.length === 1, 5000, 'queued notification');
      const info = await reconnected;
      assert.equal(info.previousClientId, firstId);
      assert.notEqual(info.clientId, firstId);
      assert.equal(client.previousClientId, firstId);
      const status = client.currentStatus;
      assert.ok(status.state === 'ready' && status.reconnects === 1 && status.previousClientId === firstId);
      assert.deepEqual(server.clients().find((c) => c.clientId === client.clientId)?.subscriptions, ['news.*']);
      server.publish('news.today', { n: 1 });
      await waitFor(() => events.length === 1, 5000, 'event after resubscribe');
      assert.deepEqual(events, [{ n: 1 }]);
    } finally {
      await client.close();
    }
  });

  it('a full queue rejects with ERR_QUEUE_FULL; a queued call past its deadline with ERR_TIMEOUT; an abort signal rejects it', async () => {
    const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: fast, queue: { maxSize: 2, timeoutMs: 150 } });
    try {
      await server.close({ deadlineMs: 0 });
      await waitFor(() => client.state === 'reconnecting', 5000, 'reconnecting');
      const ac = new AbortController();
      const a = client.call('record', ['a']);
      const b = client.call('record', ['b'], { signal: ac.signal });
      await assert.rejects(client.call('record', ['c']), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_QUEUE_FULL');
        assert.match((e as Error).message, /limit 2/);
        return true;
      });
      assert.throws(() => client.notify('note', [1]), { code: 'ERR_QUEUE_FULL' });
      ac.abort(new Error('caller gave up'));
      await assert.rejects(b, /caller gave up/);
      await assert.rejects(a, (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_TIMEOUT');
        assert.match((e as Error).message, /waited 150 ms for the connection/);
        return true;
      });
      // The call's own timeout counts too, from the moment of the call.
      await assert.rejects(client.call('record', ['d'], { timeoutMs: 30 }), { code: 'ERR_TIMEOUT' });
      assert.equal(client.queued, 0);
    } finally {
      await client.close();
      await restart();
    }
  });

  it('close() rejects waiting calls with ERR_CONNECTION_CLOSED and stops reconnecting', async () => {
    const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: fast });
    await server.close({ deadlineMs: 0 });
    await waitFor(() => client.state === 'reconnecting', 5000, 'reconnecting');
    const waiting = client.call('record', ['x']);
    const closes: string[] = [];
    client.on('close', (i) => closes.push(i.reason));
    await client.close();
    await assert.rejects(waiting, { code: 'ERR_CONNECTION_CLOSED' });
    await assert.rejects(client.call('record', ['y']), { code: 'ERR_CONNECTION_CLOSED' });
    assert.equal(client.state, 'closed');
    assert.deepEqual(closes, ['closed']);
    await restart();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.clients().length, 0, 'a closed client does not come back');
  });
});

describe('reconnecting client: a sent call whose connection drops', () => {
  let t: TestServer;
  let release: () => void = () => undefined;
  const runs: string[] = [];
  before(async () => {
    t = await startServer();
    let gate = new Promise<void>((resolve) => (release = resolve));
    t.server.method('gated', async (p) => {
      runs.push((p as string[])[0]!);
      await gate;
      return `done ${(p as string[])[0]!}`;
    });
    t.server.method('reset', () => {
      gate = new Promise<void>((resolve) => (release = resolve));
      return true;
    });
  });
  after(async () => {
    release();
    await t.cleanup();
  });

  it('rejects with ERR_CONNECTION_LOST unless idempotent, which is sent once more after the reconnect', async () => {
    const link = droppable();
    let client: Client | undefined;
    try {
      client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: fast, transportFactory: link.factory });
      const plain = client.call('gated', ['plain']);
      const safe = client.call('gated', ['safe'], { idempotent: true });
      await waitFor(() => runs.length === 2, 5000, 'both calls running on the server');
      link.drop();
      await assert.rejects(plain, (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_CONNECTION_LOST');
        return true;
      });
      await waitFor(() => runs.length === 3, 5000, 'the idempotent call re-sent');
      assert.deepEqual(runs, ['plain', 'safe', 'safe']);
      release();
      assert.equal(await safe, 'done safe');
      assert.equal(client.state, 'ready');
      // A retried call is retried only once: drop again while it runs.
      await client.call('reset');
      runs.length = 0;
      const again = client.call('gated', ['twice'], { idempotent: true });
      await waitFor(() => runs.length === 1, 5000, 'running');
      link.drop();
      await waitFor(() => runs.length === 2, 5000, 'retried once');
      link.drop();
      await assert.rejects(again, { code: 'ERR_CONNECTION_LOST' });
      release();
    } finally {
      await client?.close();
    }
  });
});
