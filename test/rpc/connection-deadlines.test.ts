/**
 * Deadlines before a connection is of any use (docs/protocol.md "Limits"): the first byte
 * (`firstByteTimeoutMs`, every endpoint) and, on an endpoint that requires a token, authentication
 * (`authTimeoutMs`) with a small message limit until then (`maxPreAuthMessageBytes`). Clients that
 * speak at once never notice them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, encodeFrameHeader } from '../../src/framing/length-prefix.js';
import { encodeMsgpack } from '../../src/framing/msgpack.js';
import { connect } from '../../src/client/client.js';
import { createServer } from '../../src/server/server.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { delay, RawClient, startServer, waitFor } from './rpc-harness.js';

const KiB = 1024;

describe('first-byte deadline', () => {
  it('regression: 1,024 silent connections no longer lock out a real client (each is closed after firstByteTimeoutMs)', async () => {
    // The bug at scale: 1,024 sockets that send nothing held every slot, forever. Here: 20 slots.
    const t = await startServer({ limits: { maxConnections: 20, firstByteTimeoutMs: 1500 } });
    t.server.method('echo', (p) => p);
    const silent = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(t.path)));
    try {
      await waitFor(() => t.server.connectionCount === 20, 5000, 'the server to hold 20 silent sockets');
      const refused = await RawClient.connect(t.path);
      assert.equal((await refused.next()).error.code, -32005, 'full while the silent ones hold the slots');
      refused.close();
      for (const s of silent) {
        const line = await s.next(10_000);
        assert.equal(line.id, null);
        assert.equal(line.error.code, -32003);
        assert.match(line.error.message, /nothing received within 1500 ms of connecting/);
        await s.waitClosed();
      }
      await waitFor(() => t.server.connectionCount === 0, 5000, 'the slots to be free');
      const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: false });
      try {
        assert.deepEqual(await client.call('echo', ['served']), ['served']);
      } finally {
        await client.close();
      }
    } finally {
      for (const s of silent) s.close();
      await t.cleanup();
    }
  });

  it('whitespace does not count as a first byte: a peer that only sends blank lines is closed too', async () => {
    const t = await startServer({ limits: { firstByteTimeoutMs: 300 } });
    const c = await RawClient.connect(t.path);
    try {
      c.send('\n  \r\n');
      assert.equal((await c.next(10_000)).error.code, -32003);
      await c.waitClosed();
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('the defaults: 5 s to the first byte, 5 s to authenticate on a token endpoint, 64 KiB before that, 256 MiB held across connections', () => {
    const { limits } = createServer();
    assert.equal(limits.firstByteTimeoutMs, 5000);
    assert.equal(limits.authTimeoutMs, 5000);
    assert.equal(limits.maxPreAuthMessageBytes, 64 * KiB);
    assert.equal(limits.maxBufferedBytes, 256 * 1024 * KiB);
    assert.equal(limits.helloTimeoutMs, 0, 'hello stays optional without a token');
  });
});

describe('clients that speak at once never wait on the deadlines', () => {
  it('the TypeScript client on a token endpoint, and plain NDJSON and binary clients without hello, stay connected well past every deadline', async () => {
    const limits = { firstByteTimeoutMs: 500, authTimeoutMs: 500 };
    const tokened = await startServer({ requireToken: true, limits });
    const open = await startServer({ limits });
    for (const t of [tokened, open]) t.server.method('echo', (p) => p);
    const client = await connect({ endpoint: tokened.endpoint, env: tokened.env, app: tokened.app, reconnect: false });
    const json = await RawClient.connect(open.path);
    const binary = await BinaryRawClient.connect(open.path);
    try {
      assert.equal((await json.request('echo', [1])).result[0], 1, 'no hello: hello is optional without a token');
      assert.equal((await binary.request('echo', [1])).result[0], 1);
      await delay(1500); // three times the deadlines
      assert.equal(client.state, 'ready');
      assert.deepEqual(await client.call('echo', ['still']), ['still']);
      assert.equal(json.closed, false);
      assert.equal((await json.request('echo', [2], 2)).result[0], 2);
      assert.equal(binary.closed, false);
      assert.equal((await binary.request('echo', [2], 2)).result[0], 2);
    } finally {
      await client.close();
      json.close();
      binary.close();
      await tokened.cleanup();
      await open.cleanup();
    }
  });
});

describe('token endpoints before authentication', () => {
  it('a connection that does not authenticate within authTimeoutMs is closed after one -32003 line', async () => {
    const t = await startServer({ requireToken: true, limits: { authTimeoutMs: 400 } });
    const lazy = await RawClient.connect(t.path);
    const prompt = await RawClient.connect(t.path);
    try {
      assert.equal((await lazy.request('$/ping')).error.code, -32001, 'requests before hello are refused (and used to keep the slot forever)');
      assert.equal((await prompt.request('$/hello', { protocol: 1, token: t.server.token })).result.protocol, 1);
      const r = await lazy.next(10_000);
      assert.equal(r.id, null);
      assert.equal(r.error.code, -32003);
      assert.match(r.error.message, /not authenticated within 400 ms/);
      await lazy.waitClosed();
      await delay(200);
      assert.equal(prompt.closed, false, 'an authenticated connection has no deadline');
      assert.equal((await prompt.request('$/ping', undefined, 2)).id, 2);
    } finally {
      lazy.close();
      prompt.close();
      await t.cleanup();
    }
  });

  it('a wrong token does not stop the clock: the connection is still closed at the deadline', async () => {
    const t = await startServer({ requireToken: true, limits: { authTimeoutMs: 400 } });
    const c = await RawClient.connect(t.path);
    try {
      assert.equal((await c.request('$/hello', { protocol: 1, token: 'f'.repeat(64) })).error.code, -32001);
      assert.equal((await c.next(10_000)).error.code, -32003);
      await c.waitClosed();
    } finally {
      c.close();
      await t.cleanup();
    }
  });

  it('before $/hello a message over maxPreAuthMessageBytes gets -32004 and the connection is closed; after it the full limit applies', async () => {
    const t = await startServer({ requireToken: true, limits: { maxMessageBytes: 1024 * KiB } });
    t.server.method('echo', (p) => p);
    const big = 'x'.repeat(200 * KiB);
    const early = await RawClient.connect(t.path);
    const late = await RawClient.connect(t.path);
    try {
      early.send({ jsonrpc: '2.0', id: 1, method: 'echo', params: [big] });
      const r = await early.next();
      assert.equal(r.error.code, -32004);
      assert.deepEqual(r.error.data, { limit: 64 * KiB });
      assert.match(r.error.message, /until \$\/hello authenticates/);
      await early.waitClosed();
      assert.equal((await late.request('$/hello', { protocol: 1, token: t.server.token })).result.protocol, 1);
      assert.equal((await late.request('echo', [big], 2)).result[0].length, big.length);
    } finally {
      early.close();
      late.close();
      await t.cleanup();
    }
  });

  it('binary mode: a frame header over the pre-auth limit is refused at once, but a large frame right behind $/hello (same write) is served', async () => {
    const t = await startServer({ requireToken: true, limits: { maxMessageBytes: 1024 * KiB } });
    t.server.method('echo', (p) => p);
    const early = await BinaryRawClient.connect(t.path);
    const pipelined = await BinaryRawClient.connect(t.path);
    try {
      early.sendRaw(encodeFrameHeader(512 * KiB)); // nothing of it follows: refused from the header
      const r = await early.next();
      assert.equal(r.error.code, -32004);
      assert.deepEqual(r.error.data, { limit: 64 * KiB });
      await early.waitClosed();
      const hello = encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: 1, method: '$/hello', params: { protocol: 1, token: t.server.token } }));
      const request = encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: 2, method: 'echo', params: [Buffer.alloc(300 * KiB, 7)] }));
      pipelined.sendRaw(Buffer.concat([hello, request]));
      assert.equal((await pipelined.next()).result.protocol, 1);
      const echoed = await pipelined.next();
      assert.equal(echoed.id, 2);
      assert.equal(echoed.result[0].length, 300 * KiB);
    } finally {
      early.close();
      pipelined.close();
      await t.cleanup();
    }
  });
});
