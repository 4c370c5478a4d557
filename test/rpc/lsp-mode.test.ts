/**
 * LSP framing on a real unix socket (docs/protocol.md "LSP framing"): the same endpoint, JSON
 * mode's semantics, limits and errors; `$/cancelRequest` and `$/cancel` in every JSON-RPC mode;
 * the TypeScript client's `mode: 'lsp'`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { connect } from '../../src/client/client.js';
import { installReferenceDaemon, type ReferenceService } from '../../src/cli/reference-daemon.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { LspRawClient, lspFrame } from './lsp-raw-client.js';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

describe('LSP framing', () => {
  let t: TestServer<ReferenceService>;
  let stop: () => void;
  const open: Array<{ close(): void }> = [];
  const lsp = async (): Promise<LspRawClient> => {
    const c = await LspRawClient.connect(t.path);
    open.push(c);
    return c;
  };
  before(async () => {
    t = await startServer<ReferenceService>({ limits: { maxMessageBytes: 1000 } });
    stop = installReferenceDaemon(t.server, { tickMs: 20 }).stop;
    const untyped = t.server as unknown as TestServer['server'];
    untyped.method('app.clock', () => 'tick');
    untyped.textCommand('CLOCK', 'app.clock');
    untyped.textCommand('C', 'app.clock');
  });
  after(async () => {
    for (const c of open) c.close();
    stop();
    await t.cleanup();
  });

  it('answers with Content-Length framed replies, exact bytes', async () => {
    const c = await lsp();
    const r = await c.request('echo', { s: 'é' }, 7);
    assert.deepEqual(r, { jsonrpc: '2.0', id: 7, result: { s: 'é' } });
    const body = '{"jsonrpc":"2.0","id":7,"result":{"s":"é"}}';
    assert.equal(c.received.toString('utf8'), `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await waitFor(() => t.server.clients().some((x) => x.mode === 'lsp'), 30_000, 'an lsp client listed');
  });

  it('reads headers in any case, with Content-Type, sent one byte at a time', async () => {
    const c = await lsp();
    const framed = lspFrame({ jsonrpc: '2.0', id: 1, method: 'sum', params: [1, 2] }, 'content-type: application/vscode-jsonrpc; charset=utf-8\r\n');
    const bytes = Buffer.from(framed.toString('latin1').replace('Content-Length', 'cOnTeNt-LeNgTh'), 'latin1');
    for (const b of bytes) {
      c.socket.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await c.next(30_000), { jsonrpc: '2.0', id: 1, result: 3 });
  });

  it('refuses an oversized Content-Length from its header (-32004, data.limit), skips its body and goes on', async () => {
    const c = await lsp();
    c.send(Buffer.from('Content-Length: 5000\r\n\r\n'));
    const r = await c.next(30_000);
    assert.deepEqual(r, { jsonrpc: '2.0', id: null, error: { code: -32004, message: 'message too large: limit is 1000 bytes', data: { limit: 1000 } } });
    c.send(Buffer.alloc(5000, 0x20));
    assert.deepEqual(await c.request('echo', ['after'], 2), { jsonrpc: '2.0', id: 2, result: ['after'] });
  });

  it('a body that is not JSON is -32700 (id null) and the connection stays open, as in JSON mode', async () => {
    const c = await lsp();
    c.send(lspFrame('{nope'));
    const r = await c.next(30_000);
    assert.equal(r.error.code, -32700);
    assert.equal(r.id, null);
    assert.deepEqual(await c.request('echo', [1], 3), { jsonrpc: '2.0', id: 3, result: [1] });
  });

  it('a malformed header is -32700 naming the problem, then the connection is closed', async () => {
    const c = await lsp();
    c.send(lspFrame({ jsonrpc: '2.0', id: 1, method: 'echo', params: [1] }));
    assert.deepEqual((await c.next(30_000)).result, [1]);
    c.send(Buffer.from('Content-Length: 12abc\r\n\r\n'));
    const r = await c.next(30_000);
    assert.equal(r.error.code, -32700);
    assert.equal(r.id, null);
    assert.match(r.error.message, /^parse error: malformed LSP header: Content-Length must be a decimal byte count, got "12abc"/);
    await c.waitClosed(30_000);
  });

  it('the client ending the stream inside a body gets the pending reply, then -32700, then the close', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]}';
    const got = await exchange(t.path, [`Content-Length: ${body.length}\r\n\r\n${body}Content-Length: 99\r\n\r\n{"a"`]);
    const reply = '{"jsonrpc":"2.0","id":1,"result":[1]}';
    const error = '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: the peer ended the stream inside a message"}}';
    assert.equal(got, `Content-Length: ${reply.length}\r\n\r\n${reply}Content-Length: ${error.length}\r\n\r\n${error}`);
  });

  it('$/cancelRequest cancels with -32800 and $/cancel with -32002, in LSP, JSON and binary mode', async () => {
    const c = await lsp();
    const j = await RawClient.connect(t.path);
    const b = await BinaryRawClient.connect(t.path);
    open.push(j, b);
    for (const peer of [c, j, b]) {
      for (const [method, code] of [['$/cancelRequest', -32800], ['$/cancel', -32002]] as const) {
        peer.send({ jsonrpc: '2.0', id: 'long', method: 'sleep', params: { ms: 60_000 } });
        await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 30_000, 'the sleep in flight');
        peer.send({ jsonrpc: '2.0', method, params: { id: 'long' } });
        const r = await peer.next(30_000);
        assert.deepEqual(r, { jsonrpc: '2.0', id: 'long', error: { code, message: 'cancelled by the client' } }, `${method} in ${peer === c ? 'lsp' : peer === j ? 'json' : 'binary'} mode`);
        await waitFor(() => t.server.clients().every((x) => x.inFlight === 0), 30_000, 'nothing in flight');
      }
    }
  });

  it("the TypeScript client's mode: 'lsp' calls, receives events and is an lsp connection", async () => {
    const client = await connect<ReferenceService>({ endpoint: t.endpoint, mode: 'lsp', env: t.env, app: t.app });
    try {
      assert.equal(client.mode, 'lsp');
      assert.equal(await client.call('sum', [2, 3]), 5);
      const tick = new Promise<{ n: number }>((resolve) => client.subscribe('clock.tick', (p) => resolve(p)));
      assert.equal(typeof (await tick).n, 'number');
      const controller = new AbortController();
      const slow = client.call('sleep', { ms: 60_000 }, { signal: controller.signal });
      await waitFor(() => t.server.clients().some((x) => x.inFlight === 1), 30_000, 'the sleep in flight');
      controller.abort();
      await assert.rejects(slow);
      await waitFor(() => t.server.clients().every((x) => x.inFlight === 0), 30_000, 'the handler stopped');
    } finally {
      await client.close();
    }
  });

  it('text commands that start with C still work, sent a byte at a time and as one letter before EOF', async () => {
    assert.equal(await exchange(t.path, ['C', 'L', 'O', 'CK\n']), 'tick\n');
    assert.equal(await exchange(t.path, ['c', 'lock\n']), 'tick\n');
    assert.equal(await exchange(t.path, ['C']), 'tick\n', 'a lone C then EOF is the text command C');
  });
});

/** Writes `pieces` one per turn to a new connection; resolves with everything the server sent until it closed. */
function exchange(socketPath: string, pieces: readonly string[], end = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('error', reject);
    s.on('close', () => resolve(got));
    s.once('connect', async () => {
      for (const p of pieces) {
        s.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (end) s.end();
    });
  });
}

describe('LSP framing on a token endpoint', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ requireToken: true });
  });
  after(async () => {
    await t.cleanup();
  });

  it('before $/hello on a token endpoint: -32001 for requests, and a Content-Length over 64 KiB is -32004 then closed', async () => {
    const c = await LspRawClient.connect(t.path);
    try {
      assert.equal((await c.request('$/ping', undefined, 1)).error.code, -32001);
      c.send(Buffer.from('Content-Length: 70000\r\n\r\n'));
      const r = await c.next(30_000);
      assert.deepEqual(r.error, { code: -32004, message: 'message too large: limit is 65536 bytes until $/hello authenticates this connection', data: { limit: 65536 } });
      await c.waitClosed(30_000);
    } finally {
      c.close();
    }
  });
});
