/**
 * The server's hot paths (a method without params schema, request timeout or tracing is answered
 * without a promise when its handler is synchronous; a synchronous notification handler makes no
 * promise) behave exactly like the general path: results, errors, async handlers, cancellation,
 * the handler context, and error reporting.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from '../../src/protocol/response-error.js';
import type { ErrorSite } from '../../src/server/server.js';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

describe('request and notification hot paths', () => {
  let t: TestServer;
  let c: RawClient;
  const reported: Array<{ message: string; site: ErrorSite }> = [];
  const aborted: unknown[] = [];
  const seen: unknown[] = [];
  before(async () => {
    t = await startServer();
    t.server.on('error', (err, site) => reported.push({ message: err.message, site }));
    t.server.method('sync', (p) => ({ got: p }));
    t.server.method('nothing', () => undefined);
    t.server.method('throws', () => {
      throw new Error('sync failure');
    });
    t.server.method('refuses', () => {
      throw new ResponseError(-32099, 'refused', { why: 'test' });
    });
    t.server.method('async', async (p) => {
      await new Promise((r) => setTimeout(r, 5));
      return p;
    });
    t.server.method('rejects', () => Promise.reject(new Error('async failure')));
    t.server.method('thenable', () => ({ then: (ok: (v: unknown) => void) => ok('from a thenable') }));
    t.server.method('context', (_p, ctx) => ({ clientId: ctx.clientId, method: ctx.method, id: ctx.id, inFlight: ctx.connection.inFlight, aborted: ctx.signal.aborted }));
    t.server.method('hang', (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
      aborted.push(ctx.signal.reason);
      resolve('late');
    })));
    t.server.onNotification('note', (p, ctx) => {
      seen.push({ p, clientId: ctx.clientId, method: ctx.method, subscriptions: ctx.connection.subscriptions });
    });
    t.server.onNotification('note-throws', () => {
      throw new Error('note failure');
    });
    t.server.onNotification('note-async', async (p) => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push({ async: p });
      throw new Error('async note failure');
    });
    c = await RawClient.connect(t.path);
  });
  after(async () => {
    c.close();
    await t.cleanup();
  });

  it('answers synchronous handlers with their result (undefined becomes null)', async () => {
    assert.deepEqual(await c.request('sync', { a: 1 }, 1), { jsonrpc: '2.0', id: 1, result: { got: { a: 1 } } });
    assert.deepEqual(await c.request('nothing', undefined, 'two'), { jsonrpc: '2.0', id: 'two', result: null });
  });

  it('turns a thrown ResponseError into its code, anything else into -32603 plus an error event', async () => {
    const refused = await c.request('refuses', {}, 3);
    assert.deepEqual(refused.error, { code: -32099, message: 'refused', data: { why: 'test' } });
    const before = reported.length;
    const thrown = await c.request('throws', {}, 4);
    assert.equal(thrown.error.code, -32603);
    assert.doesNotMatch(JSON.stringify(thrown), /sync failure|at /);
    assert.equal(reported.length, before + 1);
    assert.equal(reported.at(-1)?.message, 'sync failure');
    assert.equal(reported.at(-1)?.site.method, 'throws');
  });

  it('awaits promises and thenables, and reports a rejection as -32603', async () => {
    assert.deepEqual((await c.request('async', [7], 5)).result, [7]);
    assert.equal((await c.request('thenable', {}, 6)).result, 'from a thenable');
    const rejected = await c.request('rejects', {}, 7);
    assert.equal(rejected.error.code, -32603);
    assert.equal(reported.at(-1)?.message, 'async failure');
  });

  it('gives handlers the same context (the request counts as in flight while it runs)', async () => {
    const r = await c.request('context', {}, 8);
    assert.equal(r.result.method, 'context');
    assert.equal(r.result.id, 8);
    assert.equal(r.result.inFlight, 1);
    assert.equal(r.result.aborted, false);
    assert.match(r.result.clientId, /^[0-9a-f]{12}$/);
  });

  it('$/cancel aborts the signal of a pending hot-path request and answers -32002 once', async () => {
    c.send({ jsonrpc: '2.0', id: 9, method: 'hang' });
    await waitFor(() => t.server.clients().some((i) => i.inFlight === 1), 5000, 'the request to be in flight');
    c.send({ jsonrpc: '2.0', method: '$/cancel', params: { id: 9 } });
    const r = await c.next();
    assert.equal(r.id, 9);
    assert.equal(r.error.code, -32002);
    await waitFor(() => aborted.length === 1, 5000, 'the abort');
    assert.equal((aborted[0] as ResponseError).code, -32002);
    // The handler's late result is not sent: the next line answers the next request.
    assert.deepEqual(await c.request('sync', [1], 10), { jsonrpc: '2.0', id: 10, result: { got: [1] } });
  });

  it('runs synchronous notification handlers with a context, and reports their failures', async () => {
    const before = reported.length;
    c.send({ jsonrpc: '2.0', method: 'note', params: { n: 1 } });
    c.send({ jsonrpc: '2.0', method: 'note-throws' });
    c.send({ jsonrpc: '2.0', method: 'note-async', params: [2] });
    await waitFor(() => reported.length === before + 2, 5000, 'two reported errors');
    assert.deepEqual(seen[0], { p: { n: 1 }, clientId: (seen[0] as { clientId: string }).clientId, method: 'note', subscriptions: [] });
    assert.deepEqual(seen[1], { async: [2] });
    assert.deepEqual(reported.slice(before).map((r) => [r.message, r.site.method]), [
      ['note failure', 'note-throws'],
      ['async note failure', 'note-async'],
    ]);
    // No reply was sent for any notification; the connection still works.
    assert.deepEqual(await c.request('sync', ['after'], 11), { jsonrpc: '2.0', id: 11, result: { got: ['after'] } });
  });
});
