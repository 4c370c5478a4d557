/**
 * The reference daemon's `sleep {ms}` (docs/clients.md "The reference daemon"): bounded params,
 * the answer after the wait, and a handler that stops when cancelled or timed out, over a real
 * socket, so foreign clients can test cancellation, timeouts and the in-flight limit with it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SLEEP_MS, installReferenceDaemon, sleepFor, type ReferenceService } from '../../src/cli/reference-daemon.js';
import { RawClient, startServer, waitFor, type TestServer } from '../rpc/rpc-harness.js';

describe('reference daemon: sleep', () => {
  let t: TestServer<ReferenceService>;
  let stop: () => void;
  let c: RawClient;
  before(async () => {
    t = await startServer<ReferenceService>({ limits: { maxInFlight: 2 } });
    stop = installReferenceDaemon(t.server).stop;
    c = await RawClient.connect(t.path);
  });
  after(async () => {
    c.close();
    stop();
    await t.cleanup();
  });

  it('answers { slept: ms } after the wait', async () => {
    const started = Date.now();
    assert.deepEqual(await c.request('sleep', { ms: 50 }), { jsonrpc: '2.0', id: 1, result: { slept: 50 } });
    assert.ok(Date.now() - started >= 45);
  });

  it(`refuses ms outside 0..${MAX_SLEEP_MS} or not an integer with -32602 and its issue`, async () => {
    for (const params of [{ ms: MAX_SLEEP_MS + 1 }, { ms: -1 }, { ms: 1.5 }, { ms: '5' }, {}, [5]]) {
      const r = await c.request('sleep', params, 'bad');
      assert.equal(r.error.code, -32602, JSON.stringify(params));
      assert.deepEqual(r.error.data.issues[0].path, ['ms']);
    }
  });

  it('the in-flight limit answers the third concurrent sleep with -32005; $/cancel frees the slots', async () => {
    for (const id of [1, 2, 3]) c.send({ jsonrpc: '2.0', id, method: 'sleep', params: { ms: MAX_SLEEP_MS } });
    const busy = await c.next(30_000);
    assert.equal(busy.id, 3);
    assert.equal(busy.error.code, -32005);
    for (const id of [1, 2]) c.send({ jsonrpc: '2.0', method: '$/cancel', params: { id } });
    const ids = [(await c.next(30_000)).id, (await c.next(30_000)).id].sort();
    assert.deepEqual(ids, [1, 2]);
    await waitFor(() => t.server.clients()[0]?.inFlight === 0, 30_000, 'the handlers stopped');
  });

  it('sleepFor stops at once when its signal aborts, with the reason', async () => {
    const controller = new AbortController();
    const pending = sleepFor(MAX_SLEEP_MS, controller.signal, { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout), now: Date.now });
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    await assert.rejects(sleepFor(10, controller.signal, { setTimeout: () => assert.fail('no timer for an aborted signal'), clearTimeout: () => undefined, now: Date.now }));
  });
});
