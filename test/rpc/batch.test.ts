/** JSON-RPC 2.0 batches over a real socket. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, type Json, type TestServer } from './rpc-harness.js';

describe('batches', () => {
  let t: TestServer;
  let c: RawClient;
  const notes: unknown[] = [];
  before(async () => {
    t = await startServer();
    t.server.method('double', (p) => (p as number[]).map((n) => n * 2));
    t.server.method('later', async (p) => {
      await new Promise((r) => setTimeout(r, 20));
      return p;
    });
    t.server.onNotification('note', (p) => void notes.push(p));
    c = await RawClient.connect(t.path);
  });
  after(async () => {
    c.close();
    await t.cleanup();
  });

  it('answers an array of requests with an array of responses, omitting notifications', async () => {
    c.send([
      { jsonrpc: '2.0', id: 1, method: 'later', params: ['slow'] },
      { jsonrpc: '2.0', method: 'note', params: { n: 1 } },
      { jsonrpc: '2.0', id: 2, method: 'double', params: [1, 2] },
      { jsonrpc: '2.0', id: 3, method: 'missing' },
      { jsonrpc: '2.0' },
    ]);
    const r = await c.next();
    assert.ok(Array.isArray(r));
    assert.equal(r.length, 4);
    const byId = new Map<unknown, Json>(r.map((x: Json) => [x.id, x]));
    assert.deepEqual(byId.get(1), { jsonrpc: '2.0', id: 1, result: ['slow'] });
    assert.deepEqual(byId.get(2), { jsonrpc: '2.0', id: 2, result: [2, 4] });
    assert.equal(byId.get(3).error.code, -32601);
    assert.equal(byId.get(null).error.code, -32600);
    assert.deepEqual(notes, [{ n: 1 }]);
  });

  it('a batch of only notifications gets no reply at all', async () => {
    c.send([{ jsonrpc: '2.0', method: 'note', params: { n: 2 } }]);
    assert.equal((await c.request('$/ping', undefined, 'after')).id, 'after');
    assert.deepEqual(notes.at(-1), { n: 2 });
  });

  it('invalid elements each get their own -32600', async () => {
    c.send('[1, 2]\n');
    const r = await c.next();
    assert.equal(r.length, 2);
    for (const x of r) assert.equal(x.error.code, -32600);
  });
});
