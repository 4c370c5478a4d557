/** Per-connection timers: hello timeout, idle timeout, and a peer that sent EOF with work in flight. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, waitFor } from './rpc-harness.js';

describe('connection timeouts', () => {
  it('helloTimeoutMs closes a connection that never said $/hello (after a -32003 line)', async () => {
    const t = await startServer({ limits: { helloTimeoutMs: 100 } });
    const lazy = await RawClient.connect(t.path);
    const polite = await RawClient.connect(t.path);
    try {
      lazy.send({ jsonrpc: '2.0', id: 1, method: '$/ping' });
      assert.equal((await lazy.next()).id, 1, 'methods work before hello (no token)');
      assert.equal((await polite.request('$/hello', { protocol: 1 })).result.protocol, 1);
      const r = await lazy.next();
      assert.equal(r.error.code, -32003);
      assert.match(r.error.message, /\$\/hello within 100 ms/);
      await lazy.waitClosed();
      assert.equal(polite.closed, false);
      assert.equal((await polite.request('$/ping', undefined, 2)).id, 2);
    } finally {
      lazy.close();
      polite.close();
      await t.cleanup();
    }
  });

  it('idleTimeoutMs closes a silent connection but not one with a request in flight', async () => {
    const t = await startServer({ limits: { idleTimeoutMs: 100 } });
    let finish: () => void = () => undefined;
    t.server.method('long', () => new Promise((resolve) => {
      finish = () => resolve('done');
    }));
    const silent = await RawClient.connect(t.path);
    const busy = await RawClient.connect(t.path);
    try {
      silent.send({ jsonrpc: '2.0', id: 1, method: '$/ping' });
      await silent.next();
      busy.send({ jsonrpc: '2.0', id: 1, method: 'long' });
      const r = await silent.next();
      assert.equal(r.error.code, -32003);
      assert.match(r.error.message, /idle/);
      await silent.waitClosed();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(busy.closed, false, 'a connection with work in flight is not idle');
      finish();
      assert.deepEqual(await busy.next(), { jsonrpc: '2.0', id: 1, result: 'done' });
    } finally {
      silent.close();
      busy.close();
      await t.cleanup();
    }
  });

  it('idleTimeoutMs counts from the last message: a connection that keeps talking stays open', async () => {
    const t = await startServer({ limits: { idleTimeoutMs: 120 } });
    const c = await RawClient.connect(t.path);
    try {
      const started = Date.now();
      let lastReply = started;
      for (let id = 1; Date.now() - started < 500; id++) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        c.send({ jsonrpc: '2.0', id, method: '$/ping' });
        assert.equal((await c.next()).id, id);
        lastReply = Date.now();
      }
      assert.equal(c.closed, false, 'messages every 40 ms for 500 ms keep a 120 ms idle timeout away');
      const r = await c.next();
      assert.equal(r.error.code, -32003);
      assert.match(r.error.message, /idle for 120 ms/);
      const silentFor = Date.now() - lastReply;
      assert.ok(silentFor >= 100 && silentFor < 1000, `closed after ${silentFor} ms of silence`);
      await c.waitClosed();
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('a peer that sent EOF gets its replies, then the connection closes', async () => {
    const t = await startServer();
    t.server.method('later', () => new Promise((resolve) => setTimeout(() => resolve('late reply'), 50)));
    const c = await RawClient.connect(t.path);
    try {
      c.socket.end('{"jsonrpc":"2.0","id":1,"method":"later"}\n');
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: 'late reply' });
      await c.waitClosed();
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('halfOpenTimeoutMs aborts requests of a peer that went away', async () => {
    const t = await startServer({ limits: { halfOpenTimeoutMs: 100 } });
    let aborted = false;
    t.server.method('forever', (_p, ctx) => new Promise(() => {
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
      });
    }));
    const c = await RawClient.connect(t.path);
    try {
      c.send({ jsonrpc: '2.0', id: 1, method: 'forever' });
      await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 2000, 'in flight');
      c.socket.end();
      await waitFor(() => aborted, 3000, 'handler abort');
      await waitFor(() => t.server.clients().length === 0, 3000, 'connection closed');
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});
