/** Binary mode (docs/protocol.md): the preface exchange and every reserved method over frames. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { BINARY_PREFACE, encodeFrame } from '../../src/framing/length-prefix.js';
import { encodeMsgpack } from '../../src/framing/msgpack.js';
import { CLIENT_ID_PATTERN } from '../../src/server/client-id.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';
import { peerIdentityStatus } from '../../src/transport/peer-identity.js';

/** What the server adds to a client's claims where the kernel vouches for the peer (docs/security.md "Peer identity"). */
const verified = peerIdentityStatus().available ? { pid: process.pid, uid: process.getuid?.() } : {};

describe('binary mode: preface and reserved methods', () => {
  let t: TestServer;
  const clients: BinaryRawClient[] = [];
  const open = async (): Promise<BinaryRawClient> => {
    const c = await BinaryRawClient.connect(t.path);
    clients.push(c);
    return c;
  };
  before(async () => {
    t = await startServer({ server: { name: 'bin-daemon', version: '2.0.0' } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.cleanup();
  });

  it('the server answers the preface with its own, then frames; $/hello advertises binary', async () => {
    const c = await open();
    const r = await c.request('$/hello', { protocol: 1, client: { name: 'raw-bin', version: '1' } });
    assert.deepEqual(c.serverPreface, BINARY_PREFACE);
    assert.equal(c.received.subarray(0, 4).toString('hex'), '00535701');
    assert.equal(r.jsonrpc, '2.0');
    assert.equal(r.id, 1);
    assert.equal(r.result.protocol, 1);
    assert.match(r.result.clientId, CLIENT_ID_PATTERN);
    assert.equal(r.result.pid, process.pid);
    assert.deepEqual(r.result.server, { name: 'bin-daemon', version: '2.0.0' });
    assert.deepEqual(r.result.capabilities.modes, ['json', 'binary', 'lsp']);
    const info = t.server.clients().find((x) => x.clientId === r.result.clientId);
    assert.equal(info?.mode, 'binary');
    assert.deepEqual(info?.client, { name: 'raw-bin', version: '1', ...verified });
  });

  it('a preface and frame split into single bytes are reassembled', async () => {
    const c = await BinaryRawClient.connect(t.path, { preface: false });
    clients.push(c);
    const bytes = Buffer.concat([BINARY_PREFACE, encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: 'split', method: '$/ping' }))]);
    for (const b of bytes) {
      c.sendRaw(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    const r = await c.next();
    assert.equal(r.id, 'split');
    assert.equal(typeof r.result.time, 'number');
  });

  it('$/ping returns the server time', async () => {
    const c = await open();
    const before = Date.now();
    const r = await c.request('$/ping');
    assert.ok(r.result.time >= before - 1000 && r.result.time <= Date.now() + 1000);
  });

  it('$/hello with a wrong protocol is -32602', async () => {
    const c = await open();
    const r = await c.request('$/hello', { protocol: 2 });
    assert.equal(r.error.code, -32602);
    assert.match(r.error.message, /protocol 1/);
  });

  it('$/subscribe and $/unsubscribe return the full list; $/hello subscribe works', async () => {
    const c = await open();
    const h = await c.request('$/hello', { protocol: 1, subscribe: ['x.*'] });
    assert.deepEqual(t.server.clients().find((x) => x.clientId === h.result.clientId)?.subscriptions, ['x.*']);
    assert.deepEqual((await c.request('$/subscribe', { topics: ['a.*', 'b'] }, 2)).result, { topics: ['x.*', 'a.*', 'b'] });
    assert.deepEqual((await c.request('$/unsubscribe', { topics: ['b', 'x.*'] }, 3)).result, { topics: ['a.*'] });
    assert.equal((await c.request('$/subscribe', { topics: ['a.*.b'] }, 4)).error.code, -32602);
  });

  it('an unknown $/ method is -32601', async () => {
    const c = await open();
    assert.equal((await c.request('$/nope')).error.code, -32601);
  });

  it('$/cancel aborts the handler signal and answers -32002', async () => {
    let aborted: unknown;
    t.server.method('slow', (_p, ctx) => new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborted = ctx.signal.reason;
        resolve('late');
      });
    }));
    const c = await open();
    c.send({ jsonrpc: '2.0', id: 'abc', method: 'slow' });
    await waitFor(() => t.server.clients().some((x) => x.mode === 'binary' && x.inFlight === 1), 2000, 'request in flight');
    c.send({ jsonrpc: '2.0', method: '$/cancel', params: { id: 'abc' } });
    const r = await c.next();
    assert.equal(r.id, 'abc');
    assert.equal(r.error.code, -32002);
    assert.ok(aborted instanceof Error, 'the handler saw the abort');
    assert.equal((await c.request('$/ping', undefined, 9)).id, 9, 'the late result is never sent');
  });

  it('a batch is one frame holding an array; its answer is one frame holding an array', async () => {
    const c = await open();
    c.send([
      { jsonrpc: '2.0', id: 1, method: '$/ping' },
      { jsonrpc: '2.0', method: '$/ping' },
      { jsonrpc: '2.0', id: 2, method: '$/nope' },
    ]);
    const r = await c.next();
    assert.ok(Array.isArray(r));
    assert.deepEqual(r.map((x: { id: number }) => x.id).sort(), [1, 2]);
    assert.equal(r.find((x: { id: number }) => x.id === 2).error.code, -32601);
  });

  it('replies are coalesced: 200 requests in one chunk are answered with a few socket writes of ~2 KiB', async (tc) => {
    const c = await open();
    const n = 200;
    let serverWrites = 0;
    const original = net.Socket.prototype.write;
    tc.mock.method(net.Socket.prototype, 'write', function (this: net.Socket, ...args: Parameters<net.Socket['write']>) {
      if (this !== c.socket) serverWrites++;
      return original.apply(this, args);
    });
    c.sendRaw(Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: i, method: '$/ping' })))));
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push((await c.next()).id as number);
    assert.deepEqual(ids, Array.from({ length: n }, (_, i) => i));
    // Replies go out once 2 KiB are batched (the client can start on them), never one write each.
    assert.ok(serverWrites >= 1 && serverWrites <= 10, `${serverWrites} socket writes for ${n} replies`);
  });
});
