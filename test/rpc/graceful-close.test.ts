/** Server.close(): stop accepting, let in-flight requests finish (new ones get -32005), then close. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { RawClient, startServer, waitFor } from './rpc-harness.js';

describe('graceful close', () => {
  it('an in-flight request finishes and is answered; new requests get -32005; then the connection and socket file go away', async () => {
    const t = await startServer();
    let release: () => void = () => undefined;
    t.server.method('work', () => new Promise((resolve) => {
      release = () => resolve('finished');
    }));
    const c = await RawClient.connect(t.path);
    try {
      c.send({ jsonrpc: '2.0', id: 1, method: 'work' });
      await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 2000, 'work in flight');
      const closing = t.server.close({ deadlineMs: 5000 });
      c.send({ jsonrpc: '2.0', id: 2, method: '$/ping' });
      const busy = await c.next();
      assert.deepEqual(busy, { jsonrpc: '2.0', id: 2, error: { code: -32005, message: 'server busy: shutting down' } });
      release();
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: 'finished' });
      await closing;
      await c.waitClosed();
      assert.equal(fs.existsSync(t.path), false, 'socket file removed');
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('requests still running at the deadline get -32005 and their signal is aborted', async () => {
    const t = await startServer();
    let aborted = false;
    t.server.method('forever', (_p, ctx) => new Promise(() => {
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
      });
    }));
    const c = await RawClient.connect(t.path);
    try {
      c.send({ jsonrpc: '2.0', id: 'f', method: 'forever' });
      await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 2000, 'in flight');
      const closing = t.server.close({ deadlineMs: 100 });
      const r = await c.next();
      assert.equal(r.id, 'f');
      assert.equal(r.error.code, -32005);
      assert.equal(aborted, true);
      await closing;
      await c.waitClosed();
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('close() is idempotent and new connections are refused afterwards', async () => {
    const t = await startServer();
    await Promise.all([t.server.close(), t.server.close()]);
    await assert.rejects(RawClient.connect(t.path), /ENOENT|ECONNREFUSED/);
    await t.cleanup();
  });
});
