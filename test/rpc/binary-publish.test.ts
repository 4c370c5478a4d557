/** Events to mixed JSON + binary subscribers (encoded once per mode) and binary-mode backpressure. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PreparedMessage } from '../../src/stream/prepared-message.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

const KiB = 1024;
const HWM = 256 * KiB;

describe('binary mode: publish and broadcast to mixed subscribers', () => {
  let t: TestServer;
  const closers: Array<() => void> = [];
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    for (const close of closers) close();
    await t.cleanup();
  });

  it('publish reaches JSON and binary subscribers alike, encoding once per mode', async (tc) => {
    const json = await Promise.all([0, 1, 2].map(() => RawClient.connect(t.path)));
    const bin = await Promise.all([0, 1, 2].map(() => BinaryRawClient.connect(t.path)));
    closers.push(...json.map((c) => () => c.close()), ...bin.map((c) => () => c.close()));
    for (const c of json) await c.request('$/hello', { protocol: 1, subscribe: ['build.*'] });
    for (const c of bin) await c.request('$/hello', { protocol: 1, subscribe: ['build.*'] });
    const encodes: string[] = [];
    const original = PreparedMessage.prototype.encoded;
    tc.mock.method(PreparedMessage.prototype, 'encoded', function <T extends string | Buffer>(this: PreparedMessage, mode: string, encode: (m: object) => T): T {
      return original.call(this, mode, (m: object) => {
        encodes.push(mode);
        return encode(m);
      }) as T;
    });
    assert.equal(t.server.publish('build.done', { ok: true, log: Buffer.from('bytes') }), 6);
    assert.deepEqual(encodes.sort(), ['binary', 'json']);
    for (const c of json) {
      const m = await c.next();
      assert.equal(m.method, 'build.done');
      assert.deepEqual(m.params.log, { type: 'Buffer', data: [...Buffer.from('bytes')] });
    }
    for (const c of bin) {
      const m = await c.next();
      assert.equal(m.method, 'build.done');
      assert.ok(Buffer.isBuffer(m.params.log));
      assert.equal(m.params.log.toString(), 'bytes');
    }
    encodes.length = 0;
    assert.equal(t.server.broadcast('all.hands', [1]), 6);
    assert.deepEqual(encodes.sort(), ['binary', 'json']);
    for (const c of [...json, ...bin]) assert.deepEqual(await c.next(), { jsonrpc: '2.0', method: 'all.hands', params: [1] });
  });

  it('notify reaches one binary client', async () => {
    const c = await BinaryRawClient.connect(t.path);
    closers.push(() => c.close());
    const id = (await c.request('$/hello', { protocol: 1 })).result.clientId as string;
    assert.equal(t.server.notify(id, 'just.you', { n: 1 }), true);
    assert.deepEqual(await c.next(), { jsonrpc: '2.0', method: 'just.you', params: { n: 1 } });
  });
});

/** Publishes `count` 1 KiB events in slices, yielding between slices. */
async function publishMany(t: TestServer, topic: string, count: number): Promise<void> {
  const payload = { blob: Buffer.alloc(KiB, 1) };
  for (let i = 0; i < count; i += 200) {
    for (let j = i; j < Math.min(count, i + 200); j++) t.server.publish(topic, payload);
    await new Promise((r) => setImmediate(r));
  }
}

describe('binary mode backpressure', () => {
  it('drop policy: a binary client that never reads gets events dropped, its buffer bounded, replies still sent', async () => {
    const t = await startServer({ limits: { highWaterMarkBytes: HWM } });
    t.server.method('blob', () => Buffer.alloc(64 * KiB, 2));
    const c = await BinaryRawClient.connect(t.path);
    try {
      await c.request('$/subscribe', { topics: ['load.*'] });
      c.socket.pause();
      await publishMany(t, 'load.tick', 5000);
      const info = t.server.clients()[0];
      assert.ok(info);
      assert.ok(info.droppedEvents > 1000, `dropped ${info.droppedEvents}`);
      assert.ok(info.bufferedBytes <= HWM, `buffered ${info.bufferedBytes} bytes, high-water mark ${HWM}`);
      c.socket.resume();
      c.send({ jsonrpc: '2.0', id: 'reply', method: 'blob' });
      let m;
      do m = await c.next(); while (m.method === 'load.tick');
      assert.equal(m.id, 'reply');
      assert.equal(m.result.length, 64 * KiB);
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('disconnect policy: a binary client that does not read is disconnected', async () => {
    const t = await startServer({ limits: { highWaterMarkBytes: HWM, slowConsumer: 'disconnect' } });
    const c = await BinaryRawClient.connect(t.path);
    try {
      c.socket.pause();
      c.send({ jsonrpc: '2.0', id: 1, method: '$/subscribe', params: { topics: ['*'] } });
      await waitFor(() => t.server.clients().some((x) => x.subscriptions.includes('*')), 2000, 'subscribed');
      await publishMany(t, 'load.tick', 5000);
      await waitFor(() => t.server.clients().length === 0, 5000, 'slow consumer disconnected');
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});

describe('binary mode backpressure with large binary replies (written uncopied)', () => {
  it('a client that does not read its large replies stops being read from, then is served once it reads', async () => {
    const t = await startServer({ limits: { highWaterMarkBytes: HWM } });
    let handled = 0;
    t.server.method('big', () => {
      handled++;
      return Buffer.alloc(256 * KiB, 3);
    });
    const c = await BinaryRawClient.connect(t.path);
    try {
      assert.equal((await c.request('$/ping')).id, 1);
      c.socket.pause();
      for (let i = 0; i < 30; i++) {
        c.send({ jsonrpc: '2.0', id: `r${i}`, method: 'big' });
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(handled <= 10, `the server paused reading: ${handled} of 30 requests handled while the client read nothing`);
      assert.ok((t.server.clients()[0]?.bufferedBytes ?? 0) < 2 * 1024 * KiB, 'little is buffered in the server');
      c.socket.resume();
      for (let i = 0; i < 30; i++) {
        const f = await c.nextFrame();
        assert.equal(f?.value.id, `r${i}`);
        const bytes = f?.payloadBytes ?? 0;
        assert.ok(bytes > 256 * KiB && bytes < 256 * KiB + 40, `reply frame of ${bytes} bytes`);
      }
      assert.equal(handled, 30);
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('drop policy applies to events with large binary payloads', async () => {
    const t = await startServer({ limits: { highWaterMarkBytes: HWM } });
    const c = await BinaryRawClient.connect(t.path);
    try {
      await c.request('$/subscribe', { topics: ['big.*'] });
      c.socket.pause();
      let queued = 0;
      for (let i = 0; i < 40; i++) {
        queued += t.server.publish('big.blob', { data: Buffer.alloc(128 * KiB, 4) });
        await new Promise((r) => setImmediate(r));
      }
      const info = t.server.clients()[0];
      assert.ok(info);
      assert.ok(info.droppedEvents > 0 && queued < 40, `queued ${queued}, dropped ${info.droppedEvents}`);
      assert.equal(queued + info.droppedEvents, 40);
      assert.ok(info.bufferedBytes <= HWM + 128 * KiB + 64, `buffered ${info.bufferedBytes}`);
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});
