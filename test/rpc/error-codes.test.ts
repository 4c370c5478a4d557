/** Every JSON-RPC error code of DESIGN.md §4 over a real unix socket. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ResponseError } from '../../src/protocol/response-error.js';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

/** A hand-made Standard Schema: `{ name: string, count?: number }`. */
const personSchema: StandardSchemaV1<{ name: string; count?: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { issues: [{ message: 'expected an object' }] };
      const v = value as Record<string, unknown>;
      const issues: StandardSchemaV1.Issue[] = [];
      if (typeof v['name'] !== 'string') issues.push({ message: 'expected a string', path: [{ key: 'name' }] });
      if (v['count'] !== undefined && typeof v['count'] !== 'number') issues.push({ message: 'expected a number', path: ['count'] });
      return issues.length > 0 ? { issues } : { value: { name: v['name'] as string, ...(typeof v['count'] === 'number' ? { count: v['count'] } : {}) } };
    },
  },
};

/** An async schema (validate returns a Promise): `[string]` → the string upper-cased. */
const upperSchema: StandardSchemaV1<unknown, string> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) =>
      Array.isArray(value) && typeof value[0] === 'string' ? { value: value[0].toUpperCase() } : { issues: [{ message: 'expected [string]' }] },
  },
};

describe('error codes', () => {
  let t: TestServer;
  let c: RawClient;
  before(async () => {
    t = await startServer({ limits: { maxMessageBytes: 1024, requestTimeoutMs: 300, maxInFlight: 3 } });
    t.server.method('greet', (p: unknown) => `hi ${(p as { name: string }).name}`, { params: personSchema });
    t.server.method('shout', (p) => p, { params: upperSchema });
    t.server.method('boom', () => {
      throw new Error(`kaboom in ${import.meta.url}`);
    });
    t.server.method('reject', () => {
      throw new ResponseError(-32099, 'custom failure', { retryAfterMs: 5 });
    });
    t.server.method('hang', (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'))));
    c = await RawClient.connect(t.path);
  });
  after(async () => {
    c.close();
    await t.cleanup();
  });

  it('-32700 parse error keeps the connection open', async () => {
    c.send('{"jsonrpc": "2.0", "id": 1, "method": \n');
    const r = await c.next();
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32700);
    c.send('this is not json\n');
    assert.equal((await c.next()).error.code, -32700);
    assert.equal((await c.request('$/ping')).id, 1, 'still served after parse errors');
  });

  it('-32600 invalid request (missing method, wrong version, bad params, empty batch)', async () => {
    const missing = await c.request('', undefined); // helper builds a request; send raw ones below
    assert.equal(missing.error.code, -32601); // '' is a valid string method name that does not exist
    c.send({ jsonrpc: '2.0' });
    let r = await c.next();
    assert.equal(r.error.code, -32600);
    assert.equal(r.id, null);
    c.send({ jsonrpc: '1.0', id: 5, method: '$/ping' });
    r = await c.next();
    assert.equal(r.error.code, -32600);
    assert.equal(r.id, 5);
    c.send({ jsonrpc: '2.0', id: 6, method: '$/ping', params: 'x' });
    assert.equal((await c.next()).error.code, -32600);
    c.send('[]\n');
    r = await c.next();
    assert.equal(r.error.code, -32600);
    assert.equal(Array.isArray(r), false, 'empty batch → a single error, not an array');
    c.send('42\n');
    assert.equal((await c.next()).error.code, -32600);
  });

  it('-32601 method not found', async () => {
    const r = await c.request('no.such.method');
    assert.equal(r.error.code, -32601);
    assert.match(r.error.message, /no\.such\.method/);
  });

  it('-32602 invalid params with the schema issues in error.data.issues', async () => {
    const r = await c.request('greet', { name: 5, count: 'x' });
    assert.equal(r.error.code, -32602);
    assert.deepEqual(r.error.data.issues, [
      { message: 'expected a string', path: ['name'] },
      { message: 'expected a number', path: ['count'] },
    ]);
    assert.match(r.error.message, /greet/);
    assert.equal((await c.request('greet', { name: 'ann' })).result, 'hi ann');
  });

  it('an async schema validates and transforms params', async () => {
    assert.equal((await c.request('shout', ['abc'])).result, 'ABC');
    assert.equal((await c.request('shout', [1])).error.code, -32602);
  });

  it('-32603 internal error carries no stack trace and no file paths', async () => {
    const line = (c.send({ jsonrpc: '2.0', id: 1, method: 'boom' }), await c.nextLine());
    assert.ok(line);
    const r = JSON.parse(line);
    assert.equal(r.error.code, -32603);
    assert.doesNotMatch(line, /\bat \S+ \(|file:\/\/|\.ts\b|kaboom/);
    assert.equal(r.error.data, undefined);
  });

  it('a thrown ResponseError passes its code, message and data through', async () => {
    const r = await c.request('reject');
    assert.deepEqual(r.error, { code: -32099, message: 'custom failure', data: { retryAfterMs: 5 } });
  });

  it('handler errors reach the server "error" event', async () => {
    const seen: Array<{ message: string; method?: string }> = [];
    const onError = (err: Error, site: { method?: string }): void => void seen.push({ message: err.message, ...(site.method ? { method: site.method } : {}) });
    t.server.on('error', onError);
    await c.request('boom');
    t.server.off('error', onError);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.method, 'boom');
    assert.match(seen[0]?.message ?? '', /kaboom/);
  });

  it('-32003 request timeout aborts the handler signal', async () => {
    const r = await c.request('hang');
    assert.equal(r.error.code, -32003);
    assert.match(r.error.message, /300 ms/);
  });

  it('-32004 oversized line: answered with id null, connection kept, next message served', async () => {
    c.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: 'x'.repeat(5000) }) + '\n');
    const r = await c.next();
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32004);
    assert.equal(r.error.data.limit, 1024);
    assert.equal((await c.request('$/ping', undefined, 2)).id, 2);
  });

  it('-32005 when too many requests are in flight on one connection', async () => {
    const d = await RawClient.connect(t.path);
    try {
      for (let i = 1; i <= 4; i++) d.send({ jsonrpc: '2.0', id: i, method: 'hang' });
      const first = await d.next();
      assert.equal(first.id, 4);
      assert.equal(first.error.code, -32005);
      assert.match(first.error.message, /limit 3/);
    } finally {
      d.close();
    }
  });

  it('-32600 for a second request reusing an id that is still in flight', async () => {
    const d = await RawClient.connect(t.path);
    try {
      d.send({ jsonrpc: '2.0', id: 'dup', method: 'hang' });
      d.send({ jsonrpc: '2.0', id: 'dup', method: 'hang' });
      const r = await d.next();
      assert.equal(r.error.code, -32600);
      assert.match(r.error.message, /already in flight/);
    } finally {
      d.close();
    }
  });
});

describe('-32001 unauthorized (endpoint with a token)', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ requireToken: true });
    t.server.method('secret', () => 42);
    t.server.method('note', () => 'ran');
  });
  after(async () => t.cleanup());

  it('every method but $/hello fails until a hello with the right token', async () => {
    assert.ok(t.server.token, 'the server has a token');
    const c = await RawClient.connect(t.path);
    try {
      assert.equal((await c.request('secret')).error.code, -32001);
      assert.equal((await c.request('$/ping')).error.code, -32001);
      assert.equal((await c.request('$/subscribe', { topics: ['a'] })).error.code, -32001);
      const missing = await c.request('$/hello', { protocol: 1 });
      assert.equal(missing.error.code, -32001);
      const wrong = await c.request('$/hello', { protocol: 1, token: 'f'.repeat(64) });
      assert.equal(wrong.error.code, -32001);
      assert.doesNotMatch(JSON.stringify(wrong), new RegExp(t.server.token));
      assert.equal((await c.request('secret')).error.code, -32001);
      const ok = await c.request('$/hello', { protocol: 1, token: t.server.token });
      assert.equal(ok.result.protocol, 1);
      assert.equal((await c.request('secret')).result, 42);
    } finally {
      c.close();
    }
  });

  it('unauthenticated connections receive no events', async () => {
    const c = await RawClient.connect(t.path);
    try {
      await c.request('$/hello', { protocol: 1 }); // fails: no token
      const before = t.server.broadcast('evt', { x: 1 });
      await waitFor(() => t.server.clients().length > 0, 2000);
      assert.equal(before, 0);
      assert.equal((await c.request('$/hello', { protocol: 1, token: t.server.token }, 2)).result.protocol, 1);
      assert.equal(t.server.broadcast('evt', { x: 2 }), 1);
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', method: 'evt', params: { x: 2 } });
    } finally {
      c.close();
    }
  });
});
