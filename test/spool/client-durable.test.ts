/**
 * `client.notify(method, params, { durable: true })`: spooled first, delivered once — right away
 * when connected, after the reconnect when the server was down — and removed from the spool.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, createClient } from '../../src/client/client.js';
import { serve, type Server } from '../../src/server/server.js';
import { parseSpoolText } from '../../src/protocol/durable-message.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { waitFor } from '../rpc/rpc-harness.js';

describe('durable notifications from a client', () => {
  const { dir, cleanup } = tempDir('swd');
  const sock = path.join(dir, 'd.sock');
  const endpoint = `unix://${sock}`;
  const env = { XDG_RUNTIME_DIR: dir };
  const app = uniqueName('d');
  const got: unknown[] = [];
  let server: Server | undefined;
  const keepAlive = setInterval(() => undefined, 1000); // client timers are unref()'d by design
  const start = async (): Promise<Server> => {
    server = await serve({ app, endpoint, env, cleanupOnExit: false });
    server.onNotification('hook.event', (p) => void got.push(p));
    return server;
  };
  const spoolFiles = (): string[] => (fs.existsSync(`${sock}.spool`) ? fs.readdirSync(`${sock}.spool`).filter((n) => n.endsWith('.jsonl')) : []);
  after(async () => {
    clearInterval(keepAlive);
    await server?.close({ deadlineMs: 0 });
    cleanup();
  });

  it('connected: delivered and acknowledged before notify resolves; the spool file is gone', async () => {
    await start();
    const client = await connect({ endpoint, env, app });
    try {
      const receipt = await client.notify('hook.event', { n: 1 }, { durable: true });
      assert.equal(receipt.delivered, true);
      assert.match(receipt.id, /^[0-9a-f]{12}\.1$/);
      assert.deepEqual(got, [{ n: 1 }]);
      assert.equal(fs.existsSync(receipt.file), false);
      assert.equal(await client.flushSpool(), 0);
    } finally {
      await client.close();
    }
  });

  it('server down: spooled at once (fsync\'d), replayed in order after the reconnect, delivered once', async () => {
    got.length = 0;
    const client = await connect({ endpoint, env, app, reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: Infinity } });
    try {
      await server!.close({ deadlineMs: 0 });
      await waitFor(() => client.state === 'reconnecting', 5000, 'reconnecting');
      const receipts = [];
      for (let n = 1; n <= 5; n++) receipts.push(await client.notify('hook.event', { n }, { durable: true }));
      assert.ok(receipts.every((r) => !r.delivered));
      const file = receipts[0]!.file;
      assert.deepEqual(parseSpoolText(fs.readFileSync(file, 'utf8')).map((m) => (m.params as { n: number }).n), [1, 2, 3, 4, 5]);
      await start();
      await waitFor(() => got.length === 5, 10_000, 'replay after reconnect');
      assert.equal(await client.flushSpool(), 0);
      assert.deepEqual(got, [1, 2, 3, 4, 5].map((n) => ({ n })));
      assert.equal(fs.existsSync(file), false);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(got.length, 5, 'not delivered twice (the server leaves a live producer\'s file to it)');
    } finally {
      await client.close();
    }
  });

  it('the spool option makes plain notify() durable; createClient() spools while it is still connecting', async () => {
    got.length = 0;
    await server!.close({ deadlineMs: 0 });
    const client = createClient({ endpoint, env, app, spool: true, reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: Infinity } });
    try {
      client.notify('hook.event', { n: 7 });
      await waitFor(() => spoolFiles().length === 1, 5000, 'spooled');
      await start();
      await waitFor(() => got.length === 1, 10_000, 'delivered');
      assert.deepEqual(got, [{ n: 7 }]);
      assert.equal(await client.flushSpool(), 0);
      assert.deepEqual(spoolFiles(), []);
    } finally {
      await client.close();
    }
  });

  it('durable notify refuses reserved methods; a spool path that is not a directory rejects with ERR_FILE_UNSAFE', async () => {
    const client = await connect({ endpoint, env, app });
    try {
      await assert.rejects(client.notify('$/hello', {}, { durable: true }), { code: 'ERR_INVALID_ARGUMENT' });
    } finally {
      await client.close();
    }
    const other = path.join(dir, 'o.sock');
    fs.writeFileSync(`${other}.spool`, 'in the way');
    const idle = createClient({ endpoint: `unix://${other}`, env, app, reconnect: false });
    await assert.rejects(idle.notify('hook.event', 1, { durable: true }), { code: 'ERR_FILE_UNSAFE' });
    await idle.close();
  });
});
