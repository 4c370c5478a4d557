/** Server → client events: publish (with wildcards), broadcast, notify; notifications client → server. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

describe('events', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  const hello = async (subscribe: string[]): Promise<{ c: RawClient; id: string }> => {
    const c = await RawClient.connect(t.path);
    clients.push(c);
    const r = await c.request('$/hello', { protocol: 1, subscribe });
    return { c, id: r.result.clientId };
  };
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.cleanup();
  });

  it('publish reaches exact, .* and * subscribers only', async () => {
    const exact = await hello(['build.done']);
    const prefix = await hello(['build.*']);
    const all = await hello(['*']);
    const other = await hello(['test.*']);
    const n = t.server.publish('build.done', { ok: true });
    assert.equal(n, 3);
    const expected = { jsonrpc: '2.0', method: 'build.done', params: { ok: true } };
    assert.deepEqual(await exact.c.next(), expected);
    assert.deepEqual(await prefix.c.next(), expected);
    assert.deepEqual(await all.c.next(), expected);
    assert.equal(t.server.publish('build.started', 1), 2);
    assert.deepEqual((await prefix.c.next()).method, 'build.started');
    assert.deepEqual((await all.c.next()).method, 'build.started');
    // `other` got nothing: its next line is the reply to this ping.
    assert.equal((await other.c.request('$/ping', undefined, 'p')).id, 'p');
    // `exact` did not get build.started either.
    assert.equal((await exact.c.request('$/ping', undefined, 'q')).id, 'q');
  });

  it('publish refuses patterns and bad topics', () => {
    assert.throws(() => t.server.publish('a.*', 1), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => t.server.publish('', 1), { code: 'ERR_INVALID_ARGUMENT' });
  });

  it('broadcast reaches every client; notify reaches one', async () => {
    for (const c of clients) c.close();
    clients.length = 0;
    await waitFor(() => t.server.clients().length === 0, 2000, 'old clients gone');
    const a = await hello([]);
    const b = await hello([]);
    assert.equal(t.server.broadcast('server.restarting', { in: 5 }), 2);
    assert.deepEqual(await a.c.next(), { jsonrpc: '2.0', method: 'server.restarting', params: { in: 5 } });
    assert.deepEqual(await b.c.next(), { jsonrpc: '2.0', method: 'server.restarting', params: { in: 5 } });
    assert.equal(t.server.notify(b.id, 'just.you', [1]), true);
    assert.deepEqual(await b.c.next(), { jsonrpc: '2.0', method: 'just.you', params: [1] });
    assert.equal((await a.c.request('$/ping', undefined, 'x')).id, 'x', 'a did not get the notify');
    assert.equal(t.server.notify('000000000000', 'nobody', 1), false);
  });

  it('connect/disconnect events carry the client info', async () => {
    const seen: string[] = [];
    const onConnect = (i: { clientId: string }): void => void seen.push(`+${i.clientId}`);
    const onDisconnect = (i: { clientId: string }): void => void seen.push(`-${i.clientId}`);
    t.server.on('connect', onConnect);
    t.server.on('disconnect', onDisconnect);
    const x = await hello([]);
    x.c.close();
    await waitFor(() => seen.length === 2, 2000, 'disconnect event');
    t.server.off('connect', onConnect);
    t.server.off('disconnect', onDisconnect);
    assert.deepEqual(seen, [`+${x.id}`, `-${x.id}`]);
  });

  it('client notifications reach onNotification handlers, and method handlers (result dropped)', async () => {
    const got: unknown[] = [];
    t.server.onNotification('log', (p, ctx) => void got.push([p, ctx.clientId]));
    t.server.method('record', (p) => {
      got.push(p);
      return 'ignored';
    });
    const x = await hello([]);
    x.c.send({ jsonrpc: '2.0', method: 'log', params: { line: 'a' } });
    x.c.send({ jsonrpc: '2.0', method: 'record', params: ['r'] });
    x.c.send({ jsonrpc: '2.0', method: 'unknown.notification' });
    assert.equal((await x.c.request('$/ping', undefined, 'z')).id, 'z', 'no replies to notifications');
    await waitFor(() => got.length === 2, 2000, 'notifications handled');
    assert.deepEqual(got, [[{ line: 'a' }, x.id], ['r']]);
  });
});
