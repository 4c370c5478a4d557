/** The TypeScript client in binary mode: mode choice, Buffers without base64, errors, cancellation, events. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect, type Client } from '../../src/client/client.js';
import type { ClientOptions } from '../../src/client/client-options.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { connectTransport } from '../../src/transport/connect.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';

const MiB = 1024 * 1024;

/** Client options that also hand out the client's socket (to count bytes on the wire). */
function withSocket(t: TestServer, extra: ClientOptions = {}): { options: ClientOptions; socket: () => Socket } {
  let socket: Socket | undefined;
  return {
    options: {
      endpoint: t.endpoint,
      env: t.env,
      app: t.app,
      transportFactory: async (target, o) => (socket = await connectTransport(target.endpoint, o)),
      ...extra,
    },
    socket: () => {
      assert.ok(socket);
      return socket;
    },
  };
}

describe('client in binary mode', () => {
  let t: TestServer;
  let client: Client;
  let socket: () => Socket;
  const aborts: unknown[] = [];
  before(async () => {
    t = await startServer();
    t.server.method('echo', (p) => p);
    t.server.method('bytes', (p) => Buffer.alloc((p as { n: number }).n, 0xab));
    t.server.method('slow', (_p, ctx) => new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        aborts.push(ctx.signal.reason);
        resolve('aborted');
      });
    }));
    t.server.method('fail', () => {
      throw new ResponseError(-32050, 'nope', { why: 'test' });
    });
    // Bytes on the socket are what this suite counts: the shared-memory side channel (which would
    // carry large frames off the socket) is tested in test/shm/shared-memory.test.ts.
    const w = withSocket(t, { sharedMemory: false });
    socket = w.socket;
    client = await connect(w.options);
  });
  after(async () => {
    await client.close();
    await t.cleanup();
  });

  it('the default mode is binary (auto), and the server lists the connection as binary', () => {
    assert.equal(t.server.clients().find((c) => c.clientId === client.clientId)?.mode, 'binary');
    assert.equal(client.mode, 'binary');
    assert.deepEqual(client.serverInfo?.capabilities['modes'], ['json', 'binary', 'lsp']);
  });

  it('Buffers and Uint8Arrays in params and results arrive as Buffers', async () => {
    const sent = { a: Buffer.from([0, 1, 2, 255]), nested: [new Uint8Array([9, 8]), 'text'], n: 1.5 };
    const got = (await client.call('echo', sent)) as { a: Buffer; nested: [Buffer, string]; n: number };
    assert.ok(Buffer.isBuffer(got.a));
    assert.deepEqual([...got.a], [0, 1, 2, 255]);
    assert.ok(Buffer.isBuffer(got.nested[0]));
    assert.deepEqual([...got.nested[0]], [9, 8]);
    assert.equal(got.nested[1], 'text');
    assert.equal(got.n, 1.5);
  });

  it('a 1 MiB Buffer costs ~1 MiB on the wire each way (bin, not base64)', async () => {
    const data = Buffer.alloc(MiB, 0x5a);
    const s = socket();
    const [out0, in0] = [s.bytesWritten, s.bytesRead];
    const got = (await client.call('echo', { data })) as { data: Buffer };
    assert.ok(got.data.equals(data));
    const sentBytes = s.bytesWritten - out0;
    const readBytes = s.bytesRead - in0;
    for (const n of [sentBytes, readBytes]) {
      assert.ok(n >= MiB && n < MiB + 200, `${n} bytes on the wire for a 1 MiB Buffer (base64 would be ~${Math.round((MiB * 4) / 3)})`);
    }
  });

  it('server errors reject with ResponseError (code, message, data)', async () => {
    const err = await client.call('fail').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ResponseError);
    assert.equal(err.code, -32050);
    assert.deepEqual(err.data, { why: 'test' });
  });

  it('timeout and AbortSignal send $/cancel, which aborts the handler', async () => {
    aborts.length = 0;
    await assert.rejects(client.call('slow', undefined, { timeoutMs: 50 }), { code: 'ERR_TIMEOUT' });
    const ac = new AbortController();
    const p = client.call('slow', undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user gave up')), 20);
    await assert.rejects(p, /user gave up/);
    await waitFor(() => aborts.length === 2, 2000, 'both handlers aborted');
    assert.deepEqual(aborts.map((a) => (a as ResponseError).code), [-32002, -32002]);
  });

  it('events with binary payloads reach subscribers as Buffers', async () => {
    const got: unknown[] = [];
    await client.subscribe('blob.*', (data) => void got.push(data));
    assert.equal(t.server.publish('blob.ready', { bytes: Buffer.from('hi') }), 1);
    await waitFor(() => got.length === 1, 2000, 'event');
    const bytes = (got[0] as { bytes: Buffer }).bytes;
    assert.ok(Buffer.isBuffer(bytes));
    assert.equal(bytes.toString(), 'hi');
    await client.unsubscribe('blob.*');
  });

  it('a raw reply frame for a 1 MiB Buffer result is 1 MiB + a few bytes', async () => {
    const raw = await BinaryRawClient.connect(t.path);
    try {
      raw.send({ jsonrpc: '2.0', id: 1, method: 'bytes', params: { n: MiB } });
      const f = await raw.nextFrame();
      assert.ok(f);
      assert.ok(f.payloadBytes > MiB && f.payloadBytes < MiB + 64, `payload ${f.payloadBytes} bytes`);
      assert.ok(Buffer.isBuffer(f.value.result) && f.value.result.length === MiB);
    } finally {
      raw.close();
    }
  });

  it("mode: 'json' speaks JSON; a Buffer then travels as JSON.stringify makes it", async () => {
    const c = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode: 'json' });
    try {
      assert.equal(t.server.clients().find((x) => x.clientId === c.clientId)?.mode, 'json');
      assert.equal(c.mode, 'json');
      assert.deepEqual(await c.call('echo', { b: Buffer.from([1, 2]) }), { b: { type: 'Buffer', data: [1, 2] } });
    } finally {
      await c.close();
    }
  });

  it('a reply over the client maxMessageBytes: reported as -32004, the connection closes', async () => {
    const c = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode: 'binary', maxMessageBytes: 1024 });
    const errors: unknown[] = [];
    c.on('error', (e) => void errors.push(e));
    try {
      await assert.rejects(c.call('bytes', { n: 4096 }), { code: 'ERR_CONNECTION_LOST' });
      assert.equal((errors[0] as ResponseError).code, -32004);
    } finally {
      await c.close();
    }
  });
});

describe('client mode choice against servers without binary mode', () => {
  it("auto falls back to JSON when the server closes the binary connection; 'binary' fails clearly", async () => {
    const t = await startServer({ modeHandlers: { binary: (s) => s.destroy() } });
    t.server.method('echo', (p) => p);
    try {
      const c = await connect({ endpoint: t.endpoint, env: t.env, app: t.app });
      assert.equal(t.server.clients().find((x) => x.clientId === c.clientId)?.mode, 'json');
      assert.equal(c.mode, 'json', 'auto fell back to JSON');
      assert.deepEqual(await c.call('echo', ['x']), ['x']);
      await c.close();
      await assert.rejects(connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode: 'binary' }), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_HANDSHAKE');
        assert.match((e as Error).message, /without answering/);
        assert.equal((e as { details: Record<string, unknown> }).details['binary'], 'unsupported');
        return true;
      });
    } finally {
      await t.cleanup();
    }
  });

  it('a server that answers binary mode with something else: ERR_HANDSHAKE naming the bytes, no fallback', async () => {
    const t = await startServer({ modeHandlers: { binary: (s) => s.end('nope\n') } });
    try {
      await assert.rejects(connect({ endpoint: t.endpoint, env: t.env, app: t.app }), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_HANDSHAKE');
        assert.match((e as Error).message, /not a sidewire binary preface.*6e 6f 70 65/);
        assert.match(String((e as { fixes: string[] }).fixes), /mode: 'json'/);
        return true;
      });
    } finally {
      await t.cleanup();
    }
  });

  it('a full server answers a binary client with a JSON busy line: ERR_HANDSHAKE says busy', async () => {
    const t = await startServer({ limits: { maxConnections: 1 } });
    try {
      const first = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode: 'binary' });
      await assert.rejects(connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode: 'binary' }), (e: unknown) => {
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
