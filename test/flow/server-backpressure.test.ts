/**
 * Server backpressure on events (docs/protocol.md "Backpressure"), per connection: a client that
 * stops reading leaves its connection backed up past `limits.backpressureBytes`; `notify()` then
 * returns false, `publish()`/`broadcast()` count it in `server.backedUp`, and once the client
 * reads again 'drain' (clientId) fires, `drained()` resolves, and every event arrives.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, waitFor, type TestServer } from '../rpc/rpc-harness.js';

const KiB = 1024;
const MARK = 256 * KiB;
const WAIT_MS = 60_000;

describe('server backpressure per connection', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ limits: { backpressureBytes: MARK } });
  });
  after(async () => t.cleanup());

  it('a paused client backs its connection up: notify() false, publish() counts it in backedUp, drain after the resume, nothing lost', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const hello = await c.request('$/hello', { protocol: 1, subscribe: ['load.*'] });
      const clientId = (hello.result as { clientId: string }).clientId;
      await waitFor(() => t.server.clients().some((i) => i.clientId === clientId && i.subscriptions.includes('load.*')), WAIT_MS, 'subscribed');
      c.socket.pause(); // reads nothing from here on
      const drains: string[] = [];
      t.server.on('drain', (id) => drains.push(id));
      const payload = { blob: 'x'.repeat(KiB) };
      let sent = 0;
      // The kernel takes a few hundred KiB first; then the server's own buffer grows.
      while (t.server.backedUp === 0) {
        assert.equal(t.server.publish('load.tick', payload), 1, 'queued for the one subscriber');
        sent++;
        assert.ok(sent < 50_000, 'backed up before 50 MiB were published');
        if (sent % 100 === 0) await new Promise((r) => setImmediate(r)); // let the socket write
      }
      assert.equal(t.server.notify(clientId, 'load.tick', payload), false, 'notify() says slow down');
      sent++;
      const info = t.server.clients().find((i) => i.clientId === clientId)!;
      assert.ok(info.bufferedBytes >= MARK, `buffered ${info.bufferedBytes}`);
      assert.equal(info.droppedEvents, 0, 'nothing dropped below the slow-consumer mark');
      let resolved = false;
      const drained = t.server.drained(clientId).then(() => (resolved = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(resolved, false, 'drained() waits while the client reads nothing');
      c.socket.resume();
      await drained;
      await t.server.drained();
      await waitFor(() => drains.includes(clientId), WAIT_MS, "'drain'");
      assert.equal(t.server.backedUp, 0);
      let got = 0;
      while (got < sent) {
        const line = await c.next(WAIT_MS);
        if (line.method === 'load.tick') got++;
      }
      assert.equal(got, sent, 'every event arrived');
    } finally {
      c.close();
    }
  });

  it('drained() of a connection that is gone resolves; a closed backed-up connection leaves backedUp', async () => {
    const c = await RawClient.connect(t.path);
    const hello = await c.request('$/hello', { protocol: 1, subscribe: ['gone.*'] });
    const clientId = (hello.result as { clientId: string }).clientId;
    c.socket.pause();
    const payload = { blob: 'y'.repeat(4 * KiB) };
    for (let i = 0; i < 20_000 && t.server.backedUp === 0; i++) {
      t.server.publish('gone.tick', payload);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(t.server.backedUp, 1);
    const drained = t.server.drained(clientId);
    c.socket.destroy();
    await drained;
    await waitFor(() => t.server.backedUp === 0, WAIT_MS, 'the closed connection to leave backedUp');
    await t.server.drained('no-such-client');
  });
});
