/** Slow consumers: a client that never reads must not make the server buffer without bound. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const HWM = 256 * KiB;

/** Publishes `count` 1 KiB events in slices, yielding to the event loop between slices. */
async function publishMany(t: TestServer, topic: string, count: number, onSlice?: () => void): Promise<void> {
  const payload = { blob: 'x'.repeat(KiB) };
  for (let i = 0; i < count; i += 200) {
    for (let j = i; j < Math.min(count, i + 200); j++) t.server.publish(topic, payload);
    onSlice?.();
    await new Promise((r) => setImmediate(r));
  }
}

describe('backpressure: drop policy (default)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ limits: { highWaterMarkBytes: HWM } });
  });
  after(async () => t.cleanup());

  it('drops and counts events for a client that never reads; others are still served; memory stays bounded', async () => {
    const stuck = await RawClient.connect(t.path);
    stuck.socket.pause(); // never reads from here on
    stuck.send({ jsonrpc: '2.0', id: 1, method: '$/hello', params: { protocol: 1, subscribe: ['load.*'] } });
    const healthy = await RawClient.connect(t.path);
    try {
      await waitFor(() => t.server.clients().some((c) => c.subscriptions.includes('load.*')), 2000, 'stuck client subscribed');
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      // 40,000 × 1 KiB ≈ 40 MiB offered to a client that reads nothing.
      await publishMany(t, 'load.tick', 40_000, () => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      });
      const info = t.server.clients().find((c) => c.subscriptions.includes('load.*'));
      assert.ok(info, 'the stuck client is still connected (drop policy)');
      assert.ok(info.droppedEvents > 0, 'events were dropped');
      assert.ok(info.droppedEvents > 30_000, `most events were dropped (${info.droppedEvents})`);
      assert.ok(info.bufferedBytes <= HWM, `buffered ${info.bufferedBytes} bytes, high-water mark ${HWM}`);
      assert.ok(rssPeak - rssBefore < 32 * MiB, `rss grew by ${Math.round((rssPeak - rssBefore) / MiB)} MiB`);
      assert.equal((await healthy.request('$/ping', undefined, 'still')).id, 'still', 'another client is served');
    } finally {
      stuck.close();
      healthy.close();
    }
  });

  it('replies are still written to a client over the high-water mark', async () => {
    t.server.method('blob', () => 'y'.repeat(64 * KiB));
    const c = await RawClient.connect(t.path);
    try {
      await c.request('$/subscribe', { topics: ['load.*'] });
      c.socket.pause();
      await publishMany(t, 'load.tick', 2000);
      c.socket.resume();
      c.send({ jsonrpc: '2.0', id: 'reply', method: 'blob' });
      let line;
      do line = await c.next(); while (line.method === 'load.tick');
      assert.equal(line.id, 'reply');
      assert.equal(line.result.length, 64 * KiB);
    } finally {
      c.close();
    }
  });
});

describe('backpressure: disconnect policy', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ limits: { highWaterMarkBytes: HWM, slowConsumer: 'disconnect' } });
  });
  after(async () => t.cleanup());

  it('disconnects a client that does not read its events', async () => {
    const stuck = await RawClient.connect(t.path);
    stuck.socket.pause();
    stuck.send({ jsonrpc: '2.0', id: 1, method: '$/subscribe', params: { topics: ['*'] } });
    await waitFor(() => t.server.clients().some((c) => c.subscriptions.includes('*')), 2000, 'subscribed');
    await publishMany(t, 'load.tick', 5000);
    await waitFor(() => t.server.clients().length === 0, 5000, 'slow consumer disconnected');
    stuck.close();
  });
});
