/** DESIGN.md §4 reserved methods over a real unix socket: $/hello, $/ping, $/subscribe, $/unsubscribe, $/cancel. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID_PATTERN } from '../../src/server/client-id.js';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';
import { peerIdentityStatus } from '../../src/transport/peer-identity.js';

/** What the server puts in place of a client's claims where the kernel vouches for the peer (docs/security.md "Peer identity"). */
const verified = peerIdentityStatus().available ? { pid: process.pid, uid: process.getuid?.() } : {};

describe('reserved methods', () => {
  let t: TestServer;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const c = await RawClient.connect(t.path);
    clients.push(c);
    return c;
  };
  before(async () => {
    t = await startServer({ server: { name: 'test-daemon', version: '9.9.9' } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.cleanup();
  });

  it('$/hello returns protocol, clientId, the server pid/ppid, server info and capabilities', async () => {
    const c = await open();
    const r = await c.request('$/hello', { protocol: 1, client: { name: 'raw', version: '1', pid: 4242, ppid: 4241 } });
    assert.equal(r.jsonrpc, '2.0');
    assert.equal(r.id, 1);
    assert.equal(r.result.protocol, 1);
    assert.match(r.result.clientId, CLIENT_ID_PATTERN);
    assert.equal(r.result.pid, process.pid);
    assert.equal(r.result.ppid, process.ppid);
    assert.deepEqual(r.result.server, { name: 'test-daemon', version: '9.9.9' });
    assert.deepEqual(r.result.capabilities.modes, ['json', 'binary', 'lsp']);
    assert.equal(r.result.capabilities.batch, true);
    assert.equal(r.result.capabilities.cancel, true);
    assert.equal(r.result.capabilities.maxMessageBytes, 16 * 1024 * 1024);
    const info = t.server.clients().find((x) => x.clientId === r.result.clientId);
    assert.ok(info, 'the hello client is listed');
    assert.deepEqual(info.client, { name: 'raw', version: '1', pid: 4242, ppid: 4241, ...verified }); // the kernel's pid, not the claimed one
    assert.equal(info.helloDone, true);
    assert.equal(info.mode, 'json');
  });

  it('clientIds are 12 lowercase hex characters and unique among live connections', async () => {
    const cs = await Promise.all(Array.from({ length: 20 }, () => open()));
    const ids = await Promise.all(cs.map(async (c) => (await c.request('$/hello', { protocol: 1 })).result.clientId as string));
    for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(new Set(t.server.clients().map((x) => x.clientId)).size, t.server.clients().length);
  });

  it('$/hello with a wrong or missing protocol is -32602 and says what to send', async () => {
    const c = await open();
    const r = await c.request('$/hello', { protocol: 2 });
    assert.equal(r.error.code, -32602);
    assert.match(r.error.message, /protocol 1/);
    const r2 = await c.request('$/hello', [1]);
    assert.equal(r2.error.code, -32602);
  });

  it('$/ping returns the server time', async () => {
    const c = await open();
    const before = Date.now();
    const r = await c.request('$/ping');
    assert.equal(typeof r.result.time, 'number');
    assert.ok(r.result.time >= before - 1000 && r.result.time <= Date.now() + 1000);
  });

  it('$/subscribe and $/unsubscribe return the full current list', async () => {
    const c = await open();
    assert.deepEqual((await c.request('$/subscribe', { topics: ['a.*', 'b'] })).result, { topics: ['a.*', 'b'] });
    assert.deepEqual((await c.request('$/subscribe', { topics: ['c', 'b'] }, 2)).result, { topics: ['a.*', 'b', 'c'] });
    assert.deepEqual((await c.request('$/unsubscribe', { topics: ['b', 'zzz'] }, 3)).result, { topics: ['a.*', 'c'] });
  });

  it('$/subscribe validates topics (-32602)', async () => {
    const c = await open();
    assert.equal((await c.request('$/subscribe', { topics: 'a' })).error.code, -32602);
    assert.equal((await c.request('$/subscribe', { topics: ['a.*.b'] }, 2)).error.code, -32602);
    assert.equal((await c.request('$/subscribe', {}, 3)).error.code, -32602);
  });

  it('$/hello subscribe: subscribes in the same round trip', async () => {
    const c = await open();
    const r = await c.request('$/hello', { protocol: 1, subscribe: ['x.*'] });
    const info = t.server.clients().find((x) => x.clientId === r.result.clientId);
    assert.deepEqual(info?.subscriptions, ['x.*']);
  });

  it('an unknown $/ method is -32601', async () => {
    const c = await open();
    const r = await c.request('$/nope');
    assert.equal(r.error.code, -32601);
  });

  it('$/cancel aborts the handler signal and answers -32002', async () => {
    let aborted: unknown;
    t.server.method('slow', (_p, ctx) => new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborted = ctx.signal.reason;
        resolve('late');
      });
    }));
    const c = await open();
    c.send({ jsonrpc: '2.0', id: 'abc', method: 'slow' });
    await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 2000, 'request in flight');
    c.send({ jsonrpc: '2.0', method: '$/cancel', params: { id: 'abc' } });
    const r = await c.next();
    assert.equal(r.id, 'abc');
    assert.equal(r.error.code, -32002);
    assert.ok(aborted instanceof Error, 'the handler saw the abort');
    // The late result is never sent: the next reply is for the next request.
    assert.equal((await c.request('$/ping', undefined, 9)).id, 9);
  });
});
