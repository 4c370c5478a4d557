/**
 * nats:// endpoints against a real nats-server (docs/nats.md): the same Server and Client API,
 * plain NATS requesters, queue groups, a nats-server restart, and what stays out of the endpoint.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { createServer, type Server } from '../../src/server/server.js';
import { connect, type Client } from '../../src/client/client.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { isSidewireError } from '../../src/errors.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { uniqueName } from '../helpers/names.js';
import { Arrivals } from '../helpers/arrivals.js';

let nats: NatsServerHandle;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.stop();
});

async function natsServer(service: string, setup: (s: Server) => void = () => undefined): Promise<Server> {
  const server = createServer({ endpoint: nats.url, service, app: service, discovery: false, cleanupOnExit: false });
  server.method('echo', (p) => p);
  server.method('fail', () => {
    throw new ResponseError(-32010, 'it failed', { why: 'asked to' });
  });
  setup(server);
  return server.listen();
}

describe('a sidewire server and client on nats://', () => {
  const service = uniqueName('svc').replace(/[^A-Za-z0-9_-]/g, '-');
  let server: Server;
  let client: Client;
  const notes = new Arrivals<unknown>('notes');
  before(async () => {
    server = await natsServer(service, (s) => s.onNotification('note', (p) => notes.push(p)));
    client = await connect({ endpoint: nats.url, service, app: service, reconnect: false });
  });
  after(async () => {
    await client?.close();
    await server?.close();
  });

  it('calls methods, gets JSON-RPC errors with their code and data, and says hello with the transport', async () => {
    assert.deepEqual(await client.call('echo', { a: [1, 2] }), { a: [1, 2] });
    await assert.rejects(client.call('missing'), (err: unknown) => err instanceof ResponseError && err.code === -32601);
    await assert.rejects(client.call('fail'), (err: unknown) => err instanceof ResponseError && err.code === -32010 && (err.data as { why?: string }).why === 'asked to');
    assert.equal(client.endpoint, nats.url);
    assert.equal(client.serverInfo?.capabilities['transport'], 'nats');
    assert.match(client.clientId, /^[0-9a-f]{12}$/);
  });

  it('notifications reach the handler; events arrive for exact and wildcard subscriptions, once per handler', async () => {
    client.notify('note', { n: 1 });
    assert.deepEqual(await notes.next(20_000), { n: 1 });
    const exact = new Arrivals<[string, unknown]>('exact');
    const below = new Arrivals<[string, unknown]>('below');
    const all = new Arrivals<[string, unknown]>('all');
    await client.subscribe('build.done', (d, t) => exact.push([t, d]));
    await client.subscribe('build.*', (d, t) => below.push([t, d]));
    await client.subscribe('*', (d, t) => all.push([t, d]));
    server.publish('build.done', { ok: true });
    server.publish('deploy', { v: 7 });
    assert.deepEqual(await exact.next(20_000), ['build.done', { ok: true }]);
    assert.deepEqual(await below.next(20_000), ['build.done', { ok: true }]);
    assert.deepEqual(await all.next(20_000), ['build.done', { ok: true }]);
    assert.deepEqual(await all.next(20_000), ['deploy', { v: 7 }]);
    await client.call('echo', 'barrier'); // events published before it have arrived by now
    assert.equal(exact.pending + below.pending, 0, 'no event was delivered twice to a handler');
  });

  it('a plain NATS requester gets JSON-RPC replies: bare params → id null, a JSON-RPC request → its id', async () => {
    const nc: NatsConnection = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
    try {
      const bare = (await nc.request(`${service}.rpc.echo`, '{"a":1}', { timeout: 20_000 })).json();
      assert.deepEqual(bare, { jsonrpc: '2.0', id: null, result: { a: 1 } });
      const framed = (await nc.request(`${service}.rpc.echo`, JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'echo', params: [3] }), { timeout: 20_000 })).json();
      assert.deepEqual(framed, { jsonrpc: '2.0', id: 42, result: [3] });
      const bad = (await nc.request(`${service}.rpc.echo`, 'not json', { timeout: 20_000 })).json<{ error: { code: number } }>();
      assert.equal(bad.error.code, -32700);
      const ping = (await nc.request(`${service}.rpc.$/ping`, '', { timeout: 20_000 })).json<{ result: { time: number } }>();
      assert.equal(typeof ping.result.time, 'number');
      const hello = (await nc.request(`${service}.rpc.$/hello`, '{"protocol":1}', { timeout: 20_000 })).json<{ result: { protocol: number; server: { name: string } } }>();
      assert.equal(hello.result.protocol, 1);
      assert.equal(hello.result.server.name, service);
      const events = nc.subscribe(`${service}.evt.>`, { max: 1 });
      await nc.flush();
      server.publish('hook.fired', { tool: 'x' });
      for await (const m of events) assert.deepEqual([m.subject, m.json()], [`${service}.evt.hook.fired`, { tool: 'x' }]);
    } finally {
      await nc.close();
    }
  });
});

it('two servers in one queue group share the calls of one service', async () => {
  const service = uniqueName('q').replace(/[^A-Za-z0-9_-]/g, '-');
  const a = await natsServer(service, (s) => s.method('who', () => 'a'));
  const b = await natsServer(service, (s) => s.method('who', () => 'b'));
  const client = await connect({ endpoint: nats.url, service, reconnect: false });
  try {
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const who = (await client.call('who')) as string;
      seen.set(who, (seen.get(who) ?? 0) + 1);
    }
    assert.equal((seen.get('a') ?? 0) + (seen.get('b') ?? 0), 60);
    assert.ok((seen.get('a') ?? 0) > 0 && (seen.get('b') ?? 0) > 0, `both instances answered: ${JSON.stringify([...seen])}`);
  } finally {
    await client.close();
    await a.close();
    await b.close();
  }
});

it('a client survives a nats-server restart: every call resolves or fails with a coded error, then calls work again', { timeout: 180_000 }, async () => {
  const service = uniqueName('r').replace(/[^A-Za-z0-9_-]/g, '-');
  const server = await natsServer(service);
  const client = await connect({ endpoint: nats.url, service, callTimeoutMs: 10_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: Infinity } });
  try {
    assert.equal(await client.call('echo', 1), 1);
    const outcomes: string[] = [];
    const calls: Promise<void>[] = [];
    let running = true;
    const loop = (async () => {
      for (let i = 0; running; i++) {
        calls.push(
          client.call('echo', i).then(
            (v) => void outcomes.push(v === i ? 'ok' : 'wrong'),
            (err: unknown) => void outcomes.push(isSidewireError(err) || err instanceof ResponseError ? `coded:${(err as { code: unknown }).code}` : `uncoded:${String(err)}`),
          ),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await nats.restart();
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        assert.equal(await client.call('echo', 'after'), 'after');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    running = false;
    await loop;
    await Promise.all(calls); // none hangs: each is bounded by callTimeoutMs
    assert.ok(outcomes.length > 0);
    assert.deepEqual(outcomes.filter((o) => o.startsWith('uncoded') || o === 'wrong'), []);
  } finally {
    await client.close();
    await server.close();
  }
});

it('credentials do not belong in the endpoint string: refused with ERR_ENDPOINT_FORMAT, and the secret is not in the message', async () => {
  await assert.rejects(connect({ endpoint: 'nats://alice:s3cret@127.0.0.1:4222', reconnect: false }), (err: unknown) => {
    assert.ok(isSidewireError(err, 'ERR_ENDPOINT_FORMAT'));
    assert.doesNotMatch(String((err as Error).message), /s3cret/);
    assert.match(JSON.stringify((err as { fixes?: unknown }).fixes), /nats. option|--nats-token-file/);
    return true;
  });
  assert.throws(() => createServer({ endpoint: 'nats://tok3n@127.0.0.1:4222' }), (err: unknown) => isSidewireError(err, 'ERR_ENDPOINT_FORMAT') && !String(err).includes('tok3n'));
});

it('a client with no server of its service on NATS fails with ERR_NOT_RUNNING, not a timeout', async () => {
  await assert.rejects(connect({ endpoint: nats.url, service: 'nobody-here', reconnect: false }), (err: unknown) => isSidewireError(err, 'ERR_NOT_RUNNING'));
});
