/** Every JSON-RPC error code of DESIGN.md §4 over binary mode, and the binary-only failures. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { BINARY_PREFACE, encodeFrameHeader } from '../../src/framing/length-prefix.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { startServer, waitFor, type TestServer } from './rpc-harness.js';

const nameSchema: StandardSchemaV1<{ name: string }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      const v = value as Record<string, unknown> | null;
      return typeof v === 'object' && v !== null && typeof v['name'] === 'string'
        ? { value: { name: v['name'] } }
        : { issues: [{ message: 'expected a string', path: [{ key: 'name' }] }] };
    },
  },
};

const LIMIT = 1024;

describe('binary mode error codes', () => {
  let t: TestServer;
  let c: BinaryRawClient;
  before(async () => {
    t = await startServer({ limits: { maxMessageBytes: LIMIT, requestTimeoutMs: 300, maxInFlight: 3 } });
    t.server.method('greet', (p: unknown) => `hi ${(p as { name: string }).name}`, { params: nameSchema });
    t.server.method('boom', () => {
      throw new Error(`kaboom in ${import.meta.url}`);
    });
    t.server.method('reject', () => {
      throw new ResponseError(-32099, 'custom failure', { retryAfterMs: 5 });
    });
    t.server.method('hang', (_p, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('aborted'))));
    c = await BinaryRawClient.connect(t.path);
  });
  after(async () => {
    c.close();
    await t.cleanup();
  });

  it('-32700: a frame that is not MessagePack; the connection stays open', async () => {
    c.sendRaw(Buffer.concat([encodeFrameHeader(3), Buffer.from([0xc1, 0xc1, 0xc1])])); // 0xc1 is never valid
    let r = await c.next();
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32700);
    c.sendRaw(encodeFrameHeader(0)); // an empty frame
    r = await c.next();
    assert.equal(r.error.code, -32700);
    assert.equal((await c.request('$/ping', undefined, 'ok')).id, 'ok', 'still served');
  });

  it('-32600 invalid request: wrong version, not an object, empty batch', async () => {
    c.send({ jsonrpc: '1.0', id: 5, method: '$/ping' });
    let r = await c.next();
    assert.equal(r.error.code, -32600);
    assert.equal(r.id, 5);
    c.send(42);
    assert.equal((await c.next()).error.code, -32600);
    c.send([]);
    r = await c.next();
    assert.equal(r.error.code, -32600);
    assert.equal(Array.isArray(r), false);
  });

  it('-32601 method not found', async () => {
    const r = await c.request('no.such.method');
    assert.equal(r.error.code, -32601);
    assert.match(r.error.message, /no\.such\.method/);
  });

  it('-32602 invalid params with error.data.issues', async () => {
    const r = await c.request('greet', { name: 5 });
    assert.equal(r.error.code, -32602);
    assert.deepEqual(r.error.data.issues, [{ message: 'expected a string', path: ['name'] }]);
    assert.equal((await c.request('greet', { name: 'ann' })).result, 'hi ann');
  });

  it('-32603 internal error carries no stack trace or path', async () => {
    c.send({ jsonrpc: '2.0', id: 1, method: 'boom' });
    const f = await c.nextFrame();
    assert.ok(f);
    assert.equal(f.value.error.code, -32603);
    assert.doesNotMatch(JSON.stringify(f.value), /\bat \S+ \(|file:\/\/|\.ts\b|kaboom/);
  });

  it('a thrown ResponseError passes code, message and data through', async () => {
    assert.deepEqual((await c.request('reject')).error, { code: -32099, message: 'custom failure', data: { retryAfterMs: 5 } });
  });

  it('-32003 request timeout', async () => {
    const r = await c.request('hang');
    assert.equal(r.error.code, -32003);
    assert.match(r.error.message, /300 ms/);
  });

  it('-32005 too many requests in flight; -32600 for a reused in-flight id', async () => {
    const d = await BinaryRawClient.connect(t.path);
    try {
      for (let i = 1; i <= 4; i++) d.send({ jsonrpc: '2.0', id: i, method: 'hang' });
      const first = await d.next();
      assert.equal(first.id, 4);
      assert.equal(first.error.code, -32005);
    } finally {
      d.close();
    }
    const e = await BinaryRawClient.connect(t.path);
    try {
      e.send({ jsonrpc: '2.0', id: 'dup', method: 'hang' });
      e.send({ jsonrpc: '2.0', id: 'dup', method: 'hang' });
      const dup = await e.next();
      assert.equal(dup.error.code, -32600);
      assert.match(dup.error.message, /already in flight/);
    } finally {
      e.close();
    }
  });

  it('-32004: a header over the limit gets an error frame, then the connection closes, nothing allocated', async (tc) => {
    const d = await BinaryRawClient.connect(t.path);
    await d.request('$/ping'); // the connection is set up before we watch allocations
    const big: number[] = [];
    for (const fn of ['allocUnsafe', 'alloc', 'allocUnsafeSlow'] as const) {
      const original = Buffer[fn];
      tc.mock.method(Buffer, fn, (size: number, ...rest: unknown[]) => {
        if (size > LIMIT) big.push(size);
        return (original as (...a: unknown[]) => Buffer).call(Buffer, size, ...rest);
      });
    }
    const announced = 0xffff_fff0; // ~4 GiB
    d.sendRaw(Buffer.concat([encodeFrameHeader(announced), Buffer.alloc(100, 7)]));
    const r = await d.next();
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32004);
    assert.equal(r.error.data.limit, LIMIT);
    await d.waitClosed();
    assert.deepEqual(big, [], 'no buffer of the announced size was allocated');
    assert.equal((await c.request('$/ping', undefined, 'other')).id, 'other', 'other connections are unaffected');
  });

  it('garbage text after the preface reads as an oversized header: -32004 and close', async () => {
    const d = await BinaryRawClient.connect(t.path);
    d.sendRaw(Buffer.from('hello world\n'));
    assert.equal((await d.next()).error.code, -32004);
    await d.waitClosed();
  });

  it('EOF inside a frame is a parse error; the connection then closes', async () => {
    const d = await BinaryRawClient.connect(t.path);
    d.sendRaw(Buffer.concat([encodeFrameHeader(50), Buffer.alloc(10)]));
    await new Promise((r) => setTimeout(r, 20));
    d.socket.end();
    const r = await d.next();
    assert.equal(r.error.code, -32700);
    assert.match(r.error.message, /inside a frame/);
    await d.waitClosed();
  });
});

describe('binary mode preface errors', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ requireToken: true });
    t.server.method('secret', () => 42);
  });
  after(async () => t.cleanup());

  it('a wrong version: the server preface, one -32600 error frame naming the versions, then close', async () => {
    const d = await BinaryRawClient.connect(t.path, { preface: Buffer.from([0x00, 0x53, 0x57, 0x02]) });
    const r = await d.next();
    assert.deepEqual(d.serverPreface, BINARY_PREFACE);
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32600);
    assert.match(r.error.message, /unsupported binary protocol version 2/);
    assert.deepEqual(r.error.data, { supportedVersions: [1] });
    await d.waitClosed();
    assert.equal(t.server.clients().length, 0, 'no connection was created');
  });

  it('not a sidewire preface: refused the same way', async () => {
    const d = await BinaryRawClient.connect(t.path, { preface: Buffer.from([0x00, 0x50, 0x4b, 0x03]) });
    const r = await d.next();
    assert.match(r.error.message, /not a sidewire binary preface/);
    await d.waitClosed();
  });

  it('EOF in the middle of the preface closes the connection', async () => {
    const d = await BinaryRawClient.connect(t.path, { preface: Buffer.from([0x00, 0x53]) });
    d.socket.end();
    await d.waitClosed();
    assert.equal(d.received.length, 0);
  });

  it('-32001 unauthorized until a hello with the right token; no events before it', async () => {
    assert.ok(t.server.token);
    const d = await BinaryRawClient.connect(t.path);
    try {
      assert.equal((await d.request('secret')).error.code, -32001);
      assert.equal((await d.request('$/hello', { protocol: 1, token: 'f'.repeat(64) })).error.code, -32001);
      await waitFor(() => t.server.clients().length === 1, 2000, 'connection listed');
      assert.equal(t.server.broadcast('evt', 1), 0);
      assert.equal((await d.request('$/hello', { protocol: 1, token: t.server.token })).result.protocol, 1);
      assert.equal((await d.request('secret', undefined, 2)).result, 42);
      assert.equal(t.server.broadcast('evt', { x: 2 }), 1);
      assert.deepEqual(await d.next(), { jsonrpc: '2.0', method: 'evt', params: { x: 2 } });
    } finally {
      d.close();
    }
  });
});
