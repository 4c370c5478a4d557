/**
 * Client backpressure (docs/protocol.md "Backpressure") against a real server process that a
 * test stalls with SIGSTOP (it reads nothing until SIGCONT): `notify()` returns false past the
 * high-water mark, a producer that honours it keeps the client's memory bounded, `drained()` and
 * 'drain' follow the resume, `send()` waits for room, the hard bound throws ERR_QUEUE_FULL, and
 * the server receives every notification in order — over the socket, the shared-memory ring and
 * the durable spool alike.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type Client } from '../../src/client/client.js';
import type { ClientOptions } from '../../src/client/client-options.js';
import { shmUnavailable } from '../../src/transport/shm/native.js';
import { startFixtureChild } from '../helpers/fixture-child.js';
import { tempDir } from '../helpers/names.js';
import { gc, MiB, used } from '../helpers/memory.js';
import { waitFor } from '../rpc/rpc-harness.js';

const fixture = fileURLToPath(new URL('../fixtures/flow-server.ts', import.meta.url));
/** Bound on every wait: a stalled or busy 2-core machine is slow. */
const WAIT_MS = 60_000;

function startServer(endpoint: string): Promise<ChildProcess> {
  return startFixtureChild(fixture, endpoint, 'flow server', WAIT_MS);
}

/** What the server counted: every tick arrived, in order. */
async function assertAllReceived(client: Client, sent: number): Promise<void> {
  let got: { received: number; outOfOrder: number | null } = { received: -1, outOfOrder: null };
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    got = (await client.call('count', undefined, { timeoutMs: WAIT_MS })) as typeof got;
    if (got.received >= sent) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(got, { received: sent, outOfOrder: null }, 'every notification arrived once, in order');
}

/** Rejects when `work` has not settled within `ms`. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([work, fail]).finally(() => clearTimeout(timer));
}

describe('client backpressure against a stalled server process', () => {
  const { dir, cleanup } = tempDir('swf');
  const endpoint = `unix://${path.join(dir, 'f.sock')}`;
  let server: ChildProcess;
  const stall = (): void => void server.kill('SIGSTOP');
  const resume = (): void => void server.kill('SIGCONT');
  before(async () => {
    server = await startServer(endpoint);
  });
  after(() => {
    server.kill('SIGCONT');
    server.kill('SIGKILL');
    cleanup();
  });

  /** Ticks sent so far by every test: the server counts them all, in one sequence. */
  let ticks = 0;
  const open = (options: ClientOptions): Promise<Client> => connect({ endpoint, env: { XDG_RUNTIME_DIR: dir }, reconnect: false, ...options });
  const sentSoFar = (): number => ticks;

  for (const mode of ['json', 'binary'] as const) {
    it(`${mode}: a producer that honours notify()'s false keeps memory bounded while the server is stalled; drain follows the resume; nothing is lost`, async () => {
      const client = await open({ mode, sharedMemory: false });
      const pad = 'x'.repeat(16 * 1024);
      const total = 4096; // 64 MiB offered in all: far more than what may be held
      try {
        gc();
        const base = used();
        const rssBase = process.memoryUsage().rss;
        let rssPeak = rssBase;
        stall();
        let falses = 0;
        let drains = 0;
        client.on('drain', () => drains++);
        let blocked = false;
        let maxBuffered = 0;
        const producer = (async () => {
          for (let i = 1; i <= total; i++) {
            if (i % 64 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
            if (!client.notify('tick', { n: ++ticks, pad })) {
              falses++;
              maxBuffered = Math.max(maxBuffered, client.bufferedBytes);
              blocked = true;
              await client.drained();
              blocked = false;
            }
          }
        })();
        await waitFor(() => blocked, WAIT_MS, 'the producer to wait for drain');
        const held = client.bufferedBytes;
        assert.ok(held >= MiB / 4, `over the 256 KiB default mark when notify() said false (${held})`);
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(blocked, 'still waiting: the server reads nothing');
        assert.equal(client.bufferedBytes, held, 'nothing more was buffered while waiting');
        gc();
        const retained = used() - base;
        assert.ok(retained < 8 * MiB, `the client holds ${(retained / MiB).toFixed(1)} MiB while stalled (64 MiB offered)`);
        resume();
        await within(producer, WAIT_MS, 'the producer');
        assert.ok(falses >= 1 && drains >= 1, `notify() said false ${falses} times, 'drain' fired ${drains} times`);
        assert.ok(maxBuffered < MiB / 4 + 64 * 1024, `never more than the 256 KiB mark plus one batch buffered (${maxBuffered})`);
        const rssGrowth = (rssPeak - rssBase) / MiB;
        // Garbage not yet collected counts in RSS (about +20-32 MiB measured): the bound is what was offered, less a margin.
        assert.ok(rssGrowth < 56, `peak RSS grew ${rssGrowth.toFixed(1)} MiB while 64 MiB were offered`);
        await assertAllReceived(client, sentSoFar());
      } finally {
        resume();
        await client.close();
      }
    });
  }

  it('send() waits for room: with the server stalled its promise stays pending and the buffer stays bounded', async () => {
    const client = await open({ mode: 'json', highWaterMarkBytes: 256 * 1024 });
    const pad = 'y'.repeat(8 * 1024);
    try {
      stall();
      let done = 0;
      const producer = (async () => {
        for (let i = 0; i < 2000; i++) {
          await client.send('tick', { n: ++ticks, pad });
          done++;
        }
      })();
      await waitFor(() => client.bufferedBytes >= 256 * 1024, WAIT_MS, 'the mark to be reached');
      const at = done;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(done, at, 'send() did not resolve while the server read nothing');
      assert.ok(client.bufferedBytes < 256 * 1024 + 64 * 1024, `bounded: ${client.bufferedBytes}`);
      resume();
      await within(producer, WAIT_MS, 'the send() loop');
      await assertAllReceived(client, sentSoFar());
    } finally {
      resume();
      await client.close();
    }
  });

  it('regression: notify() buffered without limit — past maxBufferedBytes it throws ERR_QUEUE_FULL, and what was accepted still arrives', async () => {
    const client = await open({ mode: 'binary', sharedMemory: false, highWaterMarkBytes: 64 * 1024, maxBufferedBytes: 2 * MiB });
    const pad = 'z'.repeat(4 * 1024);
    try {
      stall();
      let error: unknown;
      let accepted = 0;
      for (let i = 0; i < 100_000 && error === undefined; i++) {
        try {
          client.notify('tick', { n: ticks + 1, pad });
          ticks++;
          accepted++;
        } catch (err) {
          error = err;
        }
      }
      assert.equal((error as { code?: string }).code, 'ERR_QUEUE_FULL');
      assert.match((error as Error).message, /maxBufferedBytes/);
      assert.ok(client.bufferedBytes >= 2 * MiB && client.bufferedBytes < 2 * MiB + 64 * 1024, `stopped at the bound (${client.bufferedBytes})`);
      assert.ok(accepted > 100, `accepted ${accepted} before the bound`);
      const drained = within(client.drained(), WAIT_MS, 'drained()');
      const drain = within(new Promise<void>((r) => client.once('drain', () => r())), WAIT_MS, "'drain'");
      resume();
      await Promise.all([drained, drain]);
      assert.ok(client.bufferedBytes < 64 * 1024);
      await assertAllReceived(client, sentSoFar());
    } finally {
      resume();
      await client.close();
    }
  });

  it('the hard bound defaults to 64 MiB; maxBufferedBytes below highWaterMarkBytes is refused', async () => {
    await assert.rejects(open({ highWaterMarkBytes: 2 * MiB, maxBufferedBytes: MiB }), { code: 'ERR_INVALID_ARGUMENT', message: /maxBufferedBytes must be at least highWaterMarkBytes/ });
    const client = await open({ mode: 'binary', sharedMemory: false });
    const pad = 'v'.repeat(60 * 1024);
    try {
      stall();
      let error: unknown;
      while (error === undefined) {
        try {
          client.notify('tick', { n: ticks + 1, pad });
          ticks++;
        } catch (err) {
          error = err;
        }
      }
      assert.equal((error as { code?: string }).code, 'ERR_QUEUE_FULL');
      assert.ok(client.bufferedBytes >= 64 * MiB && client.bufferedBytes < 64 * MiB + 128 * 1024, `stopped at 64 MiB (${client.bufferedBytes})`);
      resume();
      await within(client.drained(), WAIT_MS, 'drained()');
      await assertAllReceived(client, sentSoFar());
    } finally {
      resume();
      await client.close();
    }
  });

  it('the shared-memory ring reports the same way: frames waiting for ring room count, drain follows the release', { skip: shmUnavailable() !== undefined && 'native helper not available' }, async () => {
    const client = await open({ mode: 'binary', highWaterMarkBytes: MiB, sharedMemory: { ringBytes: MiB, minFrameBytes: 64 * 1024 } });
    const pad = Buffer.alloc(128 * 1024, 7);
    try {
      assert.equal(client.sharedMemory?.outgoing, 'on', 'the ring is in use');
      stall();
      let sent = 0;
      while (client.notify('tick', { n: ++ticks, pad })) {
        sent++;
        assert.ok(sent < 1000, 'notify() said false before 128 MiB were offered');
      }
      assert.ok(client.bufferedBytes >= MiB);
      const drained = within(client.drained(), WAIT_MS, 'drained()');
      resume();
      await drained;
      await assertAllReceived(client, sentSoFar());
    } finally {
      resume();
      await client.close();
    }
  });

  it('drained() rejects once the client is closed', async () => {
    const client = await open({ mode: 'json', highWaterMarkBytes: 16 * 1024 });
    stall();
    while (client.notify('tick', { n: ++ticks, pad: 'w'.repeat(4096) }));
    const waiting = client.drained();
    const closing = client.close();
    await assert.rejects(within(waiting, WAIT_MS, 'drained()'), { code: 'ERR_CONNECTION_CLOSED' });
    await assert.rejects(client.drained(), { code: 'ERR_CONNECTION_CLOSED' });
    resume();
    await within(closing, WAIT_MS, 'close()');
    const check = await open({ mode: 'json' });
    try {
      await assertAllReceived(check, sentSoFar()); // close() flushed what was accepted
    } finally {
      await check.close();
    }
  });
});
