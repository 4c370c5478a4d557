/**
 * The durable path reports backpressure the same way (docs/protocol.md "Backpressure"): with the
 * `spool` option, durable notifications the server has not acknowledged count toward the
 * high-water mark, so `notify()` returns false while they pile up in the spool, and 'drain' /
 * `drained()` follow once the server acknowledged them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { connect } from '../../src/client/client.js';
import { serve, type Server } from '../../src/server/server.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { waitFor } from '../rpc/rpc-harness.js';

const WAIT_MS = 60_000;

describe('durable notifications and backpressure', () => {
  const { dir, cleanup } = tempDir('swb');
  const endpoint = `unix://${path.join(dir, 'b.sock')}`;
  const env = { XDG_RUNTIME_DIR: dir };
  const app = uniqueName('b');
  let server: Server | undefined;
  after(async () => {
    await server?.close({ deadlineMs: 0 });
    cleanup();
  });

  it('unacknowledged spooled notifications make notify() return false; drain follows the acknowledgements', async () => {
    server = await serve({ app, endpoint, env, cleanupOnExit: false });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const got: number[] = [];
    server.onNotification('hook.event', async (p) => {
      await gate; // the server holds the first delivery: nothing is acknowledged meanwhile
      got.push((p as { n: number }).n);
    });
    const client = await connect({ endpoint, env, app, spool: true, highWaterMarkBytes: 2048 });
    try {
      // About 120 bytes each: 40 of them spool about 4.8 KiB, over the 2 KiB mark, none acknowledged.
      const n = 40;
      const answers: boolean[] = [];
      for (let i = 1; i <= n; i++) answers.push(client.notify('hook.event', { n: i, pad: 'p'.repeat(64) }));
      assert.equal(answers[0], true, 'the first notification fits under the mark');
      assert.equal(answers[n - 1], false, 'the spooled, unacknowledged ones count: notify() says slow down');
      const drain = new Promise<void>((resolve) => client.once('drain', () => resolve()));
      let drained = false;
      const waiting = client.drained().then(() => (drained = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(drained, false, 'drained() waits while the server acknowledges nothing');
      open();
      await Promise.all([waiting, drain]);
      await waitFor(() => got.length === n, WAIT_MS, 'every notification delivered');
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => i + 1));
      assert.equal(await client.flushSpool(), 0);
    } finally {
      await client.close();
    }
  });
});
