/**
 * `attachZeroMQ` in one process (docs/zeromq.md): ROUTER concurrency (real Python REQ peers and a
 * zeromq.js DEALER peer), its in-flight limit, the plain mapping's options, PUB for publish and
 * broadcast (a real Python SUB peer), the handler context, and the graceful close.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { tempDir } from '../helpers/names.js';
import { PEER_SCRIPTS, pythonWithZmq, requestThrough, runPeer, startSubscriber } from '../helpers/zeromq-peers.js';
import { createServer, ResponseError } from '../../src/index.js';
import { attachZeroMQ } from '../../src/zeromq/index.js';

interface DealerSocket {
  connect(address: string): void;
  send(frames: Array<string | Buffer>): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
}
const zmq = createRequire(import.meta.url)('zeromq') as { Dealer: new (o?: { linger?: number; receiveTimeout?: number }) => DealerSocket };

/**
 * A zeromq.js DEALER peer: sends JSON bodies and reads replies as JSON. Toward a REP socket a
 * DEALER sends the empty delimiter frame a REQ socket would (`delimiter`).
 */
function dealer(address: string, delimiter = false): { send(body: unknown): Promise<void>; next(): Promise<unknown>; close(): void } {
  const socket = new zmq.Dealer({ linger: 0, receiveTimeout: 120_000 });
  socket.connect(address);
  return {
    send: (body) => socket.send(delimiter ? ['', JSON.stringify(body)] : [JSON.stringify(body)]),
    next: async () => {
      const frames = await socket.receive();
      return JSON.parse(String(frames[frames.length - 1]));
    },
    close: () => socket.close(),
  };
}

/** A promise and its resolve function. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('attachZeroMQ: ROUTER, plain mapping, PUB, close', () => {
  const { dir, cleanup } = tempDir('swzr');
  after(cleanup);
  const ipc = (name: string): string => `ipc://${path.join(dir, name)}`;

  it('ROUTER runs requests of several peers concurrently: 5 Python REQ peers meet at a barrier', async () => {
    const server = createServer({ endpoint: `unix://${path.join(dir, 'r.sock')}` });
    let arrived = 0;
    const all = gate();
    server.method('barrier', async (params) => {
      if (++arrived === 5) all.open();
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new ResponseError(-32003, 'the barrier was not reached')), 120_000).unref());
      await Promise.race([all.opened, timeout]);
      return (params as { i: number }).i;
    });
    const z = await attachZeroMQ(server, { endpoint: ipc('router.sock'), socket: 'router' });
    try {
      const lines = await runPeer(pythonWithZmq(), [PEER_SCRIPTS.pythonConcurrent, z.endpoint ?? '', '5', '{"jsonrpc":"2.0","id":1,"method":"barrier","params":{"i":$I}}']);
      assert.deepEqual(lines.map((l) => JSON.parse(l)), [0, 1, 2, 3, 4].map((i) => ({ jsonrpc: '2.0', id: 1, result: i })));
    } finally {
      await z.close();
    }
  });

  it('ROUTER: a DEALER peer pipelines requests; an id already in flight is refused; beyond maxInFlight -32005 at once', async () => {
    const server = createServer({ endpoint: `unix://${path.join(dir, 'd.sock')}` });
    const release = gate();
    server.method('wait', async () => {
      await release.opened;
      return 'done';
    });
    const z = await attachZeroMQ(server, { endpoint: ipc('dealer.sock'), socket: 'router', maxInFlight: 2 });
    const peer = dealer(z.endpoint ?? '');
    try {
      await peer.send({ jsonrpc: '2.0', id: 1, method: 'wait' });
      await peer.send({ jsonrpc: '2.0', id: 1, method: 'wait' });
      assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'invalid request: id 1 is already in flight' } });
      await peer.send({ jsonrpc: '2.0', id: 2, method: 'wait' });
      await peer.send({ jsonrpc: '2.0', id: 3, method: 'wait' });
      const busy = (await peer.next()) as { error: { code: number; message: string } };
      assert.equal(busy.error.code, -32005);
      assert.match(busy.error.message, /2 requests in flight/);
      release.open();
      const done = [await peer.next(), await peer.next()] as Array<{ id: number; result: string }>;
      assert.deepEqual(done.map((r) => [r.id, r.result]).sort(), [[1, 'done'], [2, 'done']]);
    } finally {
      peer.close();
      await z.close();
    }
  });

  it('plain mapping: a type table, custom reply, plain: false; handlers see mode zeromq and a clientId', async () => {
    const server = createServer({ endpoint: `unix://${path.join(dir, 'p.sock')}` });
    server.method('ai.decide', (params, ctx) => ({ action: (params as { hp: number }).hp < 50 ? 'heal' : 'attack', mode: ctx.connection.mode, clientId: ctx.clientId }));
    const z = await attachZeroMQ(server, {
      endpoint: ipc('plain.sock'),
      plain: { methods: { decide: 'ai.decide' }, reply: (o) => (o.error === undefined ? { ok: true, data: o.result } : { ok: false, why: o.error.message }) },
    });
    const off = await attachZeroMQ(server, { endpoint: ipc('strict.sock'), plain: false });
    try {
      const [decided, unmapped, direct] = (await requestThrough('python', z.endpoint ?? '', [
        { type: 'decide', payload: { hp: 10 } },
        { type: 'ai.decide', payload: { hp: 10 } },
        { jsonrpc: '2.0', id: 1, method: 'ai.decide', params: { hp: 90 } },
      ])) as Array<Record<string, unknown>>;
      const data = decided?.['data'] as { action: string; mode: string; clientId: string };
      assert.equal(decided?.['ok'], true);
      assert.equal(data.action, 'heal');
      assert.equal(data.mode, 'zeromq');
      assert.match(data.clientId, /^[0-9a-f]{12}$/);
      assert.deepEqual(unmapped, { ok: false, why: 'method not found: no method for type "ai.decide"' });
      assert.equal((direct?.['result'] as { action: string }).action, 'attack');
      const [refused] = (await requestThrough('python', off.endpoint ?? '', [{ type: 'decide', payload: {} }])) as Array<{ error: { code: number } }>;
      assert.equal(refused?.error.code, -32600);
    } finally {
      await z.close();
      await off.close();
    }
  });

  it('PUB: published and broadcast events reach a Python SUB peer as [topic, JSON]; its prefix filters the rest', async () => {
    const server = createServer({ endpoint: `unix://${path.join(dir, 's.sock')}` });
    const z = await attachZeroMQ(server, { publish: ipc('pub.sock') });
    const sub = await startSubscriber(z.publishEndpoint ?? '', 'build.', 4);
    let n = 0;
    let received = false;
    void sub.lines.finally(() => (received = true));
    try {
      // A SUB peer's subscription reaches the PUB socket a moment after it connects: publish until it has its 4.
      for (let i = 0; i < 2400 && !received; i++) {
        n++;
        server.publish('other.topic', { n });
        server.publish('build.done', { n });
        server.broadcast('build.note', { n });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const events = (await sub.lines).map((l) => JSON.parse(l) as { frames: number; topic: string; payload: { n: number } });
      assert.equal(events.length, 4);
      assert.ok(events.every((e) => e.frames === 2 && e.topic.startsWith('build.')), JSON.stringify(events));
      assert.ok(events.some((e) => e.topic === 'build.done') && events.some((e) => e.topic === 'build.note'));
      assert.equal(z.droppedEvents, 0);
    } finally {
      sub.child.kill();
      await z.close();
    }
  });

  it('close lets a request in flight finish, then removes the ipc file', async () => {
    const server = createServer({ endpoint: `unix://${path.join(dir, 'c.sock')}` });
    const started = gate();
    server.method('slow', async () => {
      started.open();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'finished';
    });
    const file = path.join(dir, 'close.sock');
    const z = await attachZeroMQ(server, { endpoint: `ipc://${file}` });
    const peer = dealer(z.endpoint ?? '', true);
    try {
      await peer.send({ jsonrpc: '2.0', id: 1, method: 'slow' });
      await started.opened;
      const closing = z.close();
      assert.deepEqual(await peer.next(), { jsonrpc: '2.0', id: 1, result: 'finished' });
      await closing;
      assert.equal(fs.existsSync(file), false);
    } finally {
      peer.close();
    }
  });
});
