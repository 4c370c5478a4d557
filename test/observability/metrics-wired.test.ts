/**
 * Metrics wired into a real server: real sockets send traffic, a real HTTP client scrapes
 * /metrics from the server's health endpoint, and the counters must match exactly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { serve, type Server } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import type { ServerStats } from '../../src/observability/server-vitals.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { sampleValue } from './exposition.js';
import { CountingClient, eventually, httpGet } from './wire.js';

const D = 'sidewire_request_duration_seconds';

interface Started {
  server: Server;
  socketPath: string;
  cleanup(): Promise<void>;
}

async function start(options: ServerOptions = {}): Promise<Started> {
  const { dir, cleanup } = tempDir('swm');
  const socketPath = path.join(dir, 's.sock');
  const server = await serve({ app: uniqueName('m'), endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, ...options });
  return {
    server,
    socketPath,
    async cleanup() {
      await server.close({ deadlineMs: 200 });
      cleanup();
    },
  };
}

async function scrape(server: Server): Promise<string> {
  const url = server.healthUrl;
  assert.ok(url, 'health server is running');
  const reply = await httpGet({ url }, '/metrics');
  assert.equal(reply.status, 200, reply.body);
  assert.match(String(reply.headers['content-type']), /^text\/plain/);
  return reply.body;
}

describe('server metrics scraped over HTTP while clients send traffic', () => {
  let t: Started;
  let notes = 0;
  const clients: CountingClient[] = [];
  before(async () => {
    t = await start({ metrics: true, health: { port: 0 } });
    t.server.method('echo', (p) => p);
    t.server.method('fail', () => {
      throw new ResponseError(-32000, 'nope');
    });
    t.server.onNotification('note', () => {
      notes++;
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.cleanup();
  });

  test('messages, bytes, requests by method, errors by code and connections are exact', async () => {
    const a = await CountingClient.connect({ path: t.socketPath });
    const b = await CountingClient.connect({ path: t.socketPath });
    clients.push(a, b);
    for (let i = 0; i < 20; i++) assert.deepEqual((await a.request('echo', { i }, i)).result, { i });
    for (let i = 0; i < 5; i++) a.send({ jsonrpc: '2.0', method: 'note', params: { i } });
    await eventually(() => notes === 5, 'five notifications handled');
    for (let i = 0; i < 3; i++) assert.equal((await a.request('missing', undefined, `m${i}`)).error?.code, -32601);
    for (let i = 0; i < 2; i++) assert.equal((await a.request('fail', undefined, `f${i}`)).error?.code, -32000);
    a.send('this is not json\n');
    assert.equal((await a.next()).error?.code, -32700);
    a.send([{ jsonrpc: '2.0', id: 'b1', method: 'echo', params: [1] }, { jsonrpc: '2.0', id: 'b2', method: 'echo', params: [2] }]);
    assert.equal(JSON.parse((await a.nextLine()) ?? 'null').length, 2, 'one batch reply with two responses');
    for (let i = 0; i < 10; i++) await b.request('echo', [i], i);

    const text = await scrape(t.server);
    const json = { mode: 'json' };
    // Decoded messages: 20 echo + 5 notes + 3 missing + 2 fail + 1 batch (a); 10 echo (b). The unparsable line is not one.
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', json), 41);
    // Replies: 20 + 3 + 2 + 1 parse error + 1 batch reply (a); 10 (b).
    assert.equal(sampleValue(text, 'sidewire_messages_sent_total', json), 37);
    assert.equal(sampleValue(text, 'sidewire_received_bytes_total', json), a.bytesWritten + b.bytesWritten);
    assert.equal(sampleValue(text, 'sidewire_sent_bytes_total', json), a.bytesRead + b.bytesRead);
    assert.equal(sampleValue(text, `${D}_count`, { method: 'echo' }), 32);
    assert.equal(sampleValue(text, `${D}_count`, { method: 'missing' }), 3);
    assert.equal(sampleValue(text, `${D}_count`, { method: 'fail' }), 2);
    assert.equal(sampleValue(text, `${D}_bucket`, { method: 'echo', le: '+Inf' }), 32);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32601' }), 3);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32000' }), 2);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32700' }), 1);
    assert.equal(sampleValue(text, 'sidewire_requests_in_flight'), 0);
    assert.equal(sampleValue(text, 'sidewire_connections', json), 2);
    assert.equal(sampleValue(text, 'sidewire_connections_total', json), 2);
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', { mode: 'binary' }), 0);

    // A second scrape without traffic changes nothing (no double counting).
    const again = await scrape(t.server);
    assert.equal(sampleValue(again, 'sidewire_messages_received_total', json), 41);
    assert.equal(sampleValue(again, `${D}_count`, { method: 'echo' }), 32);

    // $/stats reports the same cumulative numbers (a's request is counted too).
    const stats = (await a.request('$/stats', undefined, 'st')).result as ServerStats;
    assert.equal(stats.state, 'running');
    assert.equal(stats.connections, 2);
    assert.ok(stats.metrics);
    assert.equal(stats.metrics.messagesIn.json, 42);
    assert.equal(stats.metrics.messagesOut.json, 37, 'the $/stats reply is counted after the snapshot');
    assert.equal(stats.metrics.bytesIn.json, a.bytesWritten + b.bytesWritten);
    assert.equal(stats.metrics.requests, 37);
    assert.equal(stats.metrics.errors, 6);
    assert.equal(stats.metrics.inFlight, 1, 'the $/stats request itself is in flight');

    // Closing b: the gauge goes down, the total stays.
    b.close();
    await eventually(() => t.server.metrics?.openConnections === 1, 'b counted as closed');
    const later = await scrape(t.server);
    assert.equal(sampleValue(later, 'sidewire_connections', json), 1);
    assert.equal(sampleValue(later, 'sidewire_connections_total', json), 2);
  });

  test('a text connection is counted as mode text with one line each way; a bad first byte as refused', async () => {
    const c = await CountingClient.connect({ path: t.socketPath });
    clients.push(c);
    c.send('STATUS\n');
    assert.equal(await c.nextLine(), 'ERR: text mode not enabled on this server');
    await c.waitClosed();
    await eventually(() => t.server.metrics?.snapshot().connections.text === 0, 'text connection closed');
    const bad = await CountingClient.connect({ path: t.socketPath });
    clients.push(bad);
    bad.send('#?\n');
    await bad.waitClosed();
    const text = await scrape(t.server);
    const mode = { mode: 'text' };
    assert.equal(sampleValue(text, 'sidewire_connections_total', mode), 1);
    assert.equal(sampleValue(text, 'sidewire_connections', mode), 0);
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', mode), 1);
    assert.equal(sampleValue(text, 'sidewire_received_bytes_total', mode), c.bytesWritten);
    assert.equal(sampleValue(text, 'sidewire_messages_sent_total', mode), 1);
    assert.equal(sampleValue(text, 'sidewire_sent_bytes_total', mode), c.bytesRead);
    assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'invalid' }), 1);
  });
});

describe('refusals, drops and metrics off', () => {
  test('over maxConnections: refused{reason="limit"}', async () => {
    const t = await start({ metrics: true, limits: { maxConnections: 1 } });
    const one = await CountingClient.connect({ path: t.socketPath });
    const two = await CountingClient.connect({ path: t.socketPath });
    try {
      await one.request('$/ping');
      assert.equal((await two.next()).error?.code, -32005);
      await two.waitClosed();
      const text = await t.server.metrics!.metrics();
      assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'limit' }), 1);
      assert.equal(sampleValue(text, 'sidewire_connections_total', { mode: 'json' }), 1);
    } finally {
      one.close();
      two.close();
      await t.cleanup();
    }
  });

  test('a $/hello with a wrong token: refused{reason="auth"}', async () => {
    const { dir, cleanup } = tempDir('swa');
    const server = await serve({ app: uniqueName('t'), endpoint: 'tcp://127.0.0.1:0', env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, metrics: true });
    const port = Number(new URL(server.endpoint.replace(/^tcp:/, 'http:')).port);
    const c = await CountingClient.connect({ port });
    try {
      const r = await c.request('$/hello', { protocol: 1, token: 'wrong' });
      assert.equal(r.error?.code, -32001);
      const text = await server.metrics!.metrics();
      assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'auth' }), 1);
      assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32001' }), 1);
    } finally {
      c.close();
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });

  test('events dropped for a client that does not read are counted exactly', async () => {
    const t = await start({ metrics: true, limits: { highWaterMarkBytes: 4096 } });
    const c = await CountingClient.connect({ path: t.socketPath });
    try {
      await c.request('$/hello', { protocol: 1, subscribe: ['tick'] });
      c.socket.pause();
      let queued = 0;
      for (let i = 0; i < 500; i++) queued += t.server.publish('tick', { i, pad: 'x'.repeat(200) });
      const dropped = t.server.clients()[0]!.droppedEvents;
      assert.ok(dropped > 0, 'some events were dropped');
      assert.equal(queued + dropped, 500);
      const text = await t.server.metrics!.metrics();
      assert.equal(sampleValue(text, 'sidewire_events_dropped_total'), dropped);
      // hello reply + the queued events
      assert.equal(sampleValue(text, 'sidewire_messages_sent_total', { mode: 'json' }), 1 + queued);
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  test('without metrics: server.metrics is undefined, /metrics is 404, $/stats has metrics null', async () => {
    const t = await start({ health: { port: 0 } });
    const c = await CountingClient.connect({ path: t.socketPath });
    try {
      assert.equal(t.server.metrics, undefined);
      const stats = (await c.request('$/stats')).result as ServerStats;
      assert.equal(stats.metrics, null);
      assert.equal(stats.connections, 1);
      const reply = await httpGet({ url: t.server.healthUrl! }, '/metrics');
      assert.equal(reply.status, 404);
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});
