/** The TypeScript client against a real server: calls, timeouts, cancellation, events, close. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { connect, type Client } from '../../src/client/client.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { serve } from '../../src/server/server.js';
import type { ServiceShape } from '../../src/protocol/service.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';

interface Calc extends ServiceShape {
  methods: {
    add: { params: { a: number; b: number }; result: number };
    slow: { params: { ms: number } | undefined; result: string };
    fail: { params: undefined; result: never };
  };
  events: { 'calc.done': { total: number }; 'calc.progress': { pct: number } };
}

describe('client', () => {
  let t: TestServer<Calc>;
  let client: Client<Calc>;
  const aborts: unknown[] = [];
  before(async () => {
    t = await startServer<Calc>();
    t.server.method('add', ({ a, b }) => a + b);
    t.server.method('slow', (p, ctx) => new Promise((resolve) => {
      const timer = setTimeout(() => resolve('done'), p?.ms ?? 60_000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        aborts.push(ctx.signal.reason);
        resolve('aborted');
      });
    }));
    t.server.method('fail', () => {
      throw new ResponseError(-32050, 'nope', { why: 'test' });
    });
    client = await connect<Calc>({ endpoint: t.endpoint, env: t.env, app: t.app, client: { name: 'tests', version: '1.2.3' } });
  });
  after(async () => {
    await client.close();
    await t.cleanup();
  });

  it('is ready after hello, with the server info and a clientId', () => {
    assert.equal(client.isReady, true);
    assert.equal(client.isConnected, true);
    assert.equal(client.state, 'ready');
    assert.match(client.clientId, /^[0-9a-f]{12}$/);
    assert.equal(client.serverInfo?.pid, process.pid);
    assert.equal(client.endpoint, t.endpoint);
    const info = t.server.clients().find((c) => c.clientId === client.clientId);
    assert.equal(info?.client?.name, 'tests');
    assert.equal(info?.client?.pid, process.pid);
  });

  it('typed call returns the result', async () => {
    const sum: number = await client.call('add', { a: 2, b: 3 });
    assert.equal(sum, 5);
    assert.equal(await client.call('slow', { ms: 1 }), 'done');
  });

  it('server errors reject with ResponseError (code, message, data)', async () => {
    const err = await client.call('fail').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ResponseError);
    assert.equal(err.code, -32050);
    assert.equal(err.message, 'nope');
    assert.deepEqual(err.data, { why: 'test' });
  });

  it('a timeout rejects with ERR_TIMEOUT and the $/cancel reaches the handler signal', async () => {
    aborts.length = 0;
    await assert.rejects(client.call('slow', { ms: 60_000 }, { timeoutMs: 50 }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ERR_TIMEOUT');
      assert.equal((e as Error).name, 'TimeoutError');
      assert.match((e as Error).message, /'slow'.*50 ms/);
      return true;
    });
    await waitFor(() => aborts.length === 1, 2000, 'handler abort');
    assert.equal((aborts[0] as ResponseError).code, -32002);
  });

  it('an AbortSignal rejects with its reason and cancels on the server', async () => {
    aborts.length = 0;
    const ac = new AbortController();
    const p = client.call('slow', { ms: 60_000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user gave up')), 20);
    await assert.rejects(p, /user gave up/);
    await waitFor(() => aborts.length === 1, 2000, 'handler abort');
    await assert.rejects(client.call('add', { a: 1, b: 1 }, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('subscribe / unsubscribe: handlers get typed events; wildcards work; unsubscribe stops them', async () => {
    const got: Array<[string, unknown]> = [];
    const seenByEventListener: string[] = [];
    const onEvent = (topic: string): void => void seenByEventListener.push(topic);
    client.on('event', onEvent);
    const onDone = (data: { total: number }, topic: string): void => void got.push([topic, data.total]);
    const onAny = (data: unknown, topic: string): void => void got.push([`*${topic}`, data]);
    await client.subscribe('calc.done', onDone);
    await client.subscribe('calc.*', onAny);
    const mine = (): readonly string[] => t.server.clients().find((c) => c.clientId === client.clientId)?.subscriptions ?? [];
    assert.deepEqual(mine(), ['calc.done', 'calc.*']);
    t.server.publish('calc.done', { total: 7 });
    t.server.publish('calc.progress', { pct: 50 });
    await waitFor(() => got.length === 3, 2000, 'events');
    assert.deepEqual(got, [
      ['calc.done', 7],
      ['*calc.done', { total: 7 }],
      ['*calc.progress', { pct: 50 }],
    ]);
    assert.deepEqual(seenByEventListener, ['calc.done', 'calc.progress']);
    await client.unsubscribe('calc.*');
    assert.deepEqual(mine(), ['calc.done']);
    await client.unsubscribe('calc.done', onDone);
    assert.deepEqual(mine(), []);
    assert.equal(t.server.publish('calc.done', { total: 8 }), 0);
    client.off('event', onEvent);
  });

  it('subscribe refuses a bad pattern', async () => {
    await assert.rejects(client.subscribe('a.*.b' as `${string}*`, () => undefined), { code: 'ERR_INVALID_ARGUMENT' });
  });

  it('notify sends a notification', async () => {
    const got: unknown[] = [];
    t.server.onNotification('ping.me', (p) => void got.push(p));
    client.notify('ping.me', { x: 1 });
    await waitFor(() => got.length === 1, 2000, 'notification');
    assert.deepEqual(got, [{ x: 1 }]);
  });
});

describe('client lifecycle', () => {
  it('close(): pending calls reject with ERR_CONNECTION_CLOSED; later calls too', async () => {
    const t = await startServer();
    t.server.method('hang', () => new Promise(() => undefined));
    try {
      const c = await connect({ endpoint: t.endpoint, env: t.env, app: t.app });
      const closes: string[] = [];
      c.on('close', (info) => closes.push(info.reason));
      const pending = assert.rejects(c.call('hang'), { code: 'ERR_CONNECTION_CLOSED' });
      await c.close();
      await pending;
      await assert.rejects(c.call('hang'), { code: 'ERR_CONNECTION_CLOSED' });
      assert.throws(() => c.notify('x'), { code: 'ERR_CONNECTION_CLOSED' });
      assert.equal(c.state, 'closed');
      assert.deepEqual(closes, ['closed']);
      await c.close(); // idempotent
    } finally {
      await t.cleanup();
    }
  });

  it('a server that closes the connection: pending calls reject with ERR_CONNECTION_LOST', async () => {
    const t = await startServer();
    t.server.method('hang', () => new Promise(() => undefined));
    const c = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: false });
    const closed = new Promise<string>((resolve) => c.once('close', (info) => resolve(info.reason)));
    // The server answers -32005 at the deadline; this call rejects with that ResponseError.
    const answered = assert.rejects(c.call('hang'), (e: unknown) => e instanceof ResponseError && e.code === -32005);
    await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 2000, 'in flight');
    await t.server.close({ deadlineMs: 0 });
    await answered;
    assert.equal(await closed, 'lost');
    await assert.rejects(c.call('hang'), { code: 'ERR_CONNECTION_LOST' });
    await t.cleanup();
  });

  it('nobody listening: ERR_NOT_RUNNING', async () => {
    const { dir, cleanup } = tempDir('swc');
    try {
      await assert.rejects(connect({ endpoint: `unix://${path.join(dir, 'none.sock')}`, env: { XDG_RUNTIME_DIR: dir } }), {
        code: 'ERR_NOT_RUNNING',
      });
    } finally {
      cleanup();
    }
  });

  it('default endpoint: the discovery file gives the real TCP port and the token', async () => {
    const { dir, cleanup } = tempDir('swd');
    const app = uniqueName('d');
    const env = { XDG_RUNTIME_DIR: dir, [`${app.toUpperCase()}_ENDPOINT`]: 'tcp://127.0.0.1:0' };
    const server = await serve({ app, env, cleanupOnExit: false });
    server.method('who', () => 'tcp');
    try {
      assert.match(server.endpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
      assert.ok(server.token);
      // The client's env has no endpoint variable: default → discovery file.
      const c = await connect({ app, env: { XDG_RUNTIME_DIR: dir } });
      assert.equal(c.endpoint, server.endpoint);
      assert.equal(await c.call('who'), 'tcp');
      await c.close();
      // An explicit wrong token is refused with a clear handshake error.
      await assert.rejects(connect({ app, env: { XDG_RUNTIME_DIR: dir }, token: 'bad' }), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_HANDSHAKE');
        assert.match((e as Error).message, /unauthorized/);
        return true;
      });
    } finally {
      await server.close();
      cleanup();
    }
  });

  it('a full server: connect fails with ERR_HANDSHAKE saying the server is busy', async () => {
    const t = await startServer({ limits: { maxConnections: 1 } });
    try {
      const first = await connect({ endpoint: t.endpoint, env: t.env, app: t.app });
      await assert.rejects(connect({ endpoint: t.endpoint, env: t.env, app: t.app }), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_HANDSHAKE');
        assert.match((e as Error).message, /too many connections \(limit 1\)/);
        return true;
      });
      await first.close();
    } finally {
      await t.cleanup();
    }
  });
});
