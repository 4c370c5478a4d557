/**
 * limits.maxSubscriptions (docs/protocol.md "Limits"): a connection holds at most that many topic
 * patterns; `$/subscribe` and `$/hello`'s `subscribe` add all their topics or none, so the
 * `{ topics }` reply (all current subscriptions) stays bounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, startServer, type Json, type TestServer } from './rpc-harness.js';
import { MAX_TOPIC_LENGTH } from '../../src/protocol/topics.js';

const topics = (n: number, prefix = 't'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Sends a request and returns its reply with the reply line's length. */
async function requestSized(c: RawClient, method: string, params: unknown, id: number | string = 1): Promise<{ reply: Json; bytes: number }> {
  c.send({ jsonrpc: '2.0', id, method, params });
  const line = await c.nextLine(30_000);
  if (line === undefined) throw new Error('connection closed before a reply');
  return { reply: JSON.parse(line), bytes: Buffer.byteLength(line) };
}

describe('subscription limits (default maxSubscriptions 1000)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => {
    await t.cleanup();
  });

  const subscriptionsOf = (clientId: string): readonly string[] => t.server.clients().find((x) => x.clientId === clientId)?.subscriptions ?? [];

  it('regression: 200 k subscriptions on one connection are refused with -32005 and a small reply, none of them taken', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const hello = await c.request('$/hello', { protocol: 1 }, 'hello');
      const { reply, bytes } = await requestSized(c, '$/subscribe', { topics: topics(200_000) });
      assert.equal(reply.error.code, -32005);
      assert.deepEqual(reply.error.data, { limit: 1000, subscribed: 0 });
      assert.match(reply.error.message, /too many subscriptions.*at most 1000 \(limits\.maxSubscriptions/);
      assert.ok(bytes < 1024, `the refusal is ${bytes} bytes`);
      assert.deepEqual(subscriptionsOf(hello.result.clientId), []);
    } finally {
      c.close();
    }
  });

  it('regression: subscribing one topic at a time stops at maxSubscriptions; the reply never lists more', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const long = topics(1000).map((s) => s.padEnd(MAX_TOPIC_LENGTH, 'x'));
      const full = await requestSized(c, '$/subscribe', { topics: long });
      assert.equal(full.reply.result.topics.length, 1000);
      // The largest reply there can be: every pattern as long as allowed.
      assert.ok(full.bytes < 1000 * (MAX_TOPIC_LENGTH + 3) + 100, `the full list is ${full.bytes} bytes`);

      const over = await requestSized(c, '$/subscribe', { topics: ['one.more'] }, 2);
      assert.equal(over.reply.error.code, -32005);
      assert.deepEqual(over.reply.error.data, { limit: 1000, subscribed: 1000 });
      assert.ok(over.bytes < 1024, `the refusal is ${over.bytes} bytes`);

      // Topics already held do not count again; after an unsubscribe there is room for one more.
      const again = await requestSized(c, '$/subscribe', { topics: [long[0], long[1]] }, 3);
      assert.equal(again.reply.result.topics.length, 1000);
      const less = await requestSized(c, '$/unsubscribe', { topics: [long[0]] }, 4);
      assert.equal(less.reply.result.topics.length, 999);
      const one = await requestSized(c, '$/subscribe', { topics: ['one.more', 'one.more'] }, 5);
      assert.equal(one.reply.result.topics.length, 1000);
      assert.equal(one.reply.result.topics.at(-1), 'one.more');
    } finally {
      c.close();
    }
  });

  it('a $/subscribe that would go over the limit subscribes to none of its topics', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const hello = await c.request('$/hello', { protocol: 1, subscribe: topics(990, 'a') }, 'hello');
      const over = await requestSized(c, '$/subscribe', { topics: topics(11, 'b') });
      assert.equal(over.reply.error.code, -32005);
      assert.deepEqual(over.reply.error.data, { limit: 1000, subscribed: 990 });
      assert.equal(subscriptionsOf(hello.result.clientId).length, 990);
      assert.ok(!subscriptionsOf(hello.result.clientId).includes('b0'));
    } finally {
      c.close();
    }
  });

  it('a $/unsubscribe naming more topics than the limit is -32602', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const r = await c.request('$/unsubscribe', { topics: topics(1001) });
      assert.equal(r.error.code, -32602);
      assert.deepEqual(r.error.data, { limit: 1000 });
    } finally {
      c.close();
    }
  });
});

describe('subscription limits: configured, and in $/hello on an endpoint with a token', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ requireToken: true, limits: { maxSubscriptions: 2 } });
  });
  after(async () => {
    await t.cleanup();
  });

  it('a $/hello whose subscribe list is over the limit fails with -32005 and leaves the connection unauthenticated', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const refused = await c.request('$/hello', { protocol: 1, token: t.server.token, subscribe: ['a', 'b', 'c'] });
      assert.equal(refused.error.code, -32005);
      assert.deepEqual(refused.error.data, { limit: 2, subscribed: 0 });
      assert.equal((await c.request('$/ping', undefined, 2)).error.code, -32001);

      const ok = await c.request('$/hello', { protocol: 1, token: t.server.token, subscribe: ['a', 'b'] }, 3);
      assert.equal(ok.result.protocol, 1);
      assert.equal((await c.request('$/subscribe', { topics: ['c'] }, 4)).error.code, -32005);
      assert.deepEqual((await c.request('$/subscribe', { topics: ['b', 'a'] }, 5)).result, { topics: ['a', 'b'] });
    } finally {
      c.close();
    }
  });
});
