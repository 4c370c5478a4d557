/**
 * Batch limits (docs/protocol.md "Batches"): limits.maxBatchLength, the tighter limit before a
 * token endpoint's `$/hello`, batches that run in slices so other clients are served meanwhile,
 * and the bound on batches waiting behind a running one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { RawClient, startServer, waitFor, type Json, type TestServer } from './rpc-harness.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { LimitsChild } from './limits-child.js';
import { UNAUTHENTICATED_MAX_BATCH_LENGTH } from '../../src/server/batch-runner.js';

const MiB = 1024 * 1024;

/** Busy-waits `ms` (a synchronous handler that takes a while). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/** Pings with `peer` one after the other until `done` settles; returns the slowest round trip (fails past 15 s). */
async function slowestPing(peer: RawClient | BinaryRawClient, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  let worst = 0;
  for (let id = 1; !finished || id === 1; id++) {
    const start = performance.now();
    peer.send({ jsonrpc: '2.0', id, method: '$/ping' });
    const r = await peer.next(15_000).catch(() => assert.fail('another client got no ping reply within 15 s while the batch was handled'));
    assert.equal(r.id, id);
    worst = Math.max(worst, performance.now() - start);
  }
  return worst;
}

describe('batch limits against a server in a child process (time and memory measured)', () => {
  let child: LimitsChild;
  before(async () => {
    child = await LimitsChild.start();
  });
  after(async () => {
    await child.stop();
  });

  it('regression: a 4 MiB line of 2 M invalid batch elements is answered with one -32600 at once, in bounded memory, while another client is served', async () => {
    const attacker = await RawClient.connect(child.path);
    const other = await RawClient.connect(child.path);
    try {
      assert.equal((await other.request('$/ping', undefined, 0)).id, 0);
      const before = await child.stats();
      const line = '[' + '1,'.repeat(2 * MiB - 1) + '1]\n';
      assert.equal(line.length, 4 * MiB + 2); // '[', 2 M '1' with commas, ']', '\n'
      const start = performance.now();
      attacker.send(line);
      const answer = attacker.next(120_000);
      const worstPing = await slowestPing(other, answer);
      const reply: Json = await answer;
      const elapsed = performance.now() - start;
      const afterStats = await child.stats();

      assert.ok(!Array.isArray(reply), 'one error for the whole batch, not one per element');
      assert.equal(reply.id, null);
      assert.equal(reply.error.code, -32600);
      assert.deepEqual(reply.error.data, { limit: 1000 });
      assert.match(reply.error.message, /2097152 elements; at most 1000 \(limits\.maxBatchLength\)/);
      // Before the fix: 15-30 s with the event loop blocked throughout, and 1.2 GB of RSS.
      assert.ok(elapsed < 10_000, `answered after ${Math.round(elapsed)} ms`);
      assert.ok(worstPing < 2500, `another client waited ${Math.round(worstPing)} ms for a ping meanwhile`);
      const grown = afterStats.maxRssBytes - before.maxRssBytes;
      assert.ok(grown < 300 * MiB, `the server's peak RSS grew by ${Math.round(grown / MiB)} MiB`);
      assert.equal((await attacker.request('$/ping', undefined, 'still-open')).id, 'still-open');
    } finally {
      attacker.close();
      other.close();
    }
  });

  it('regression: a binary frame of 2 M invalid batch elements is answered with one -32600 at once, in bounded memory', async () => {
    const attacker = await BinaryRawClient.connect(child.path);
    const other = await BinaryRawClient.connect(child.path);
    try {
      assert.equal((await other.request('$/ping', undefined, 0)).id, 0);
      const before = await child.stats();
      const count = 2 * MiB;
      const payload = Buffer.alloc(5 + count, 0x01); // array32 of 2 M positive fixints (1)
      payload[0] = 0xdd;
      payload.writeUInt32BE(count, 1);
      const frame = Buffer.alloc(4 + payload.length);
      frame.writeUInt32BE(payload.length, 0);
      payload.copy(frame, 4);
      const start = performance.now();
      attacker.sendRaw(frame);
      const answer = attacker.next(120_000);
      const worstPing = await slowestPing(other, answer);
      const reply: Json = await answer;
      const elapsed = performance.now() - start;
      const afterStats = await child.stats();

      assert.ok(!Array.isArray(reply));
      assert.equal(reply.error.code, -32600);
      assert.deepEqual(reply.error.data, { limit: 1000 });
      assert.ok(elapsed < 10_000, `answered after ${Math.round(elapsed)} ms`);
      assert.ok(worstPing < 2500, `another client waited ${Math.round(worstPing)} ms for a ping meanwhile`);
      const grown = afterStats.maxRssBytes - before.maxRssBytes;
      assert.ok(grown < 300 * MiB, `the server's peak RSS grew by ${Math.round(grown / MiB)} MiB`);
    } finally {
      attacker.close();
      other.close();
    }
  });
});

describe('batch limits', () => {
  let t: TestServer;
  let echoed = 0;
  let spinning = 0;
  before(async () => {
    t = await startServer();
    t.server.method('echo', (p) => {
      echoed++;
      return p;
    });
    t.server.method('spin', (p) => {
      spinning++;
      spin((p as { ms: number }).ms);
      return spinning;
    });
  });
  after(async () => {
    await t.cleanup();
  });

  const requests = (n: number, method: string, params: unknown = [1]): Json[] =>
    Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method, params }));

  it('a batch of exactly maxBatchLength requests is answered with all responses, in order', async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.send(requests(1000, 'echo', ['x']));
      const r = await c.next(30_000);
      assert.equal(r.length, 1000);
      r.forEach((x: Json, i: number) => assert.deepEqual(x, { jsonrpc: '2.0', id: i, result: ['x'] }));
    } finally {
      c.close();
    }
  });

  it('a batch of maxBatchLength + 1 is one -32600 (id null, data.limit) and nothing in it runs', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const before = echoed;
      c.send(requests(1001, 'echo'));
      const r = await c.next(30_000);
      assert.equal(r.id, null);
      assert.equal(r.error.code, -32600);
      assert.deepEqual(r.error.data, { limit: 1000 });
      assert.equal((await c.request('$/ping', undefined, 'after')).id, 'after');
      assert.equal(echoed, before, 'no element of the refused batch ran');
    } finally {
      c.close();
    }
  });

  it('regression: a large batch of slow requests no longer keeps another client waiting until it is done', async () => {
    const a = await RawClient.connect(t.path);
    const b = await RawClient.connect(t.path);
    try {
      const started = spinning;
      const order: string[] = [];
      a.send(requests(1000, 'spin', { ms: 1 }));
      const batch = a.next(60_000).then((r: Json) => {
        order.push('batch');
        return r;
      });
      await waitFor(() => spinning > started, 30_000, 'the batch to start');
      b.send({ jsonrpc: '2.0', id: 'b', method: '$/ping' });
      const ping = b.next(60_000).then((r: Json) => {
        order.push('ping');
        return r;
      });
      const [r] = await Promise.all([batch, ping]);
      assert.deepEqual(order, ['ping', 'batch'], 'the other client was answered while the batch ran');
      assert.equal(r.length, 1000);
      r.forEach((x: Json, i: number) => assert.equal(x.id, i));
    } finally {
      a.close();
      b.close();
    }
  });

  it('batches wait for the running one in order; one that would make more than maxBatchLength elements wait gets -32005', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const slow = requests(1000, 'spin', { ms: 1 });
      const invalid = '[' + '1,'.repeat(999) + '1]';
      c.send(`${JSON.stringify(slow)}\n${invalid}\n[1]\n`);
      const busy = await c.next(60_000);
      assert.equal(busy.id, null);
      assert.equal(busy.error.code, -32005);
      assert.deepEqual(busy.error.data, { limit: 1000 });
      const first = await c.next(60_000);
      assert.equal(first.length, 1000);
      assert.equal(first[0].id, 0);
      const second = await c.next(60_000);
      assert.equal(second.length, 1000);
      assert.equal(second[0].error.code, -32600);
    } finally {
      c.close();
    }
  });

  it('a large batch followed by the client half-closing is still answered in full', async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.socket.end(JSON.stringify(requests(1000, 'echo', ['y'])) + '\n');
      const r = await c.next(30_000);
      assert.equal(r.length, 1000);
      assert.deepEqual(r[999], { jsonrpc: '2.0', id: 999, result: ['y'] });
      await c.waitClosed(30_000);
    } finally {
      c.close();
    }
  });
});

describe('batch limits before $/hello on an endpoint with a token', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ requireToken: true });
  });
  after(async () => {
    await t.cleanup();
  });

  const pings = (n: number, from = 0): Json[] => Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: from + i, method: '$/ping' }));

  it(`a batch longer than ${UNAUTHENTICATED_MAX_BATCH_LENGTH} before $/hello is one -32600; after it, the usual limit applies`, async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.send(pings(UNAUTHENTICATED_MAX_BATCH_LENGTH + 1));
      const refused = await c.next();
      assert.equal(refused.error.code, -32600);
      assert.deepEqual(refused.error.data, { limit: UNAUTHENTICATED_MAX_BATCH_LENGTH });
      assert.match(refused.error.message, /before \$\/hello/);

      c.send([{ jsonrpc: '2.0', id: 'hello', method: '$/hello', params: { protocol: 1, token: t.server.token } }, ...pings(UNAUTHENTICATED_MAX_BATCH_LENGTH - 1)]);
      const hello = await c.next();
      assert.equal(hello.length, UNAUTHENTICATED_MAX_BATCH_LENGTH);
      assert.equal(hello[0].result.protocol, 1);
      assert.ok(hello.slice(1).every((x: Json) => typeof x.result.time === 'number'), 'pings after the hello in the same batch are authenticated');

      c.send(pings(100));
      assert.equal((await c.next()).length, 100);
    } finally {
      c.close();
    }
  });
});
