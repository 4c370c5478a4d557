/**
 * vscode-jsonrpc, unchanged, against a sidewire server (docs/protocol.md "LSP framing"): its
 * default socket reader and writer frame messages with `Content-Length` headers, which the server
 * sniffs on its one endpoint. Requests, notifications, errors (-32601, -32602 with issues), events
 * (subscribed with `$/subscribe`) and cancellation through its CancellationToken (`$/cancelRequest`
 * → -32800), over a real unix socket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  CancellationTokenSource,
  ResponseError as LspResponseError,
  SocketMessageReader,
  SocketMessageWriter,
  createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { installReferenceDaemon, type ReferenceService } from '../../src/cli/reference-daemon.js';
import { startServer, waitFor, type TestServer } from '../rpc/rpc-harness.js';

describe('vscode-jsonrpc client (LSP framing) against a sidewire server', () => {
  let t: TestServer<ReferenceService>;
  let stop: () => void;
  let socket: net.Socket;
  let conn: MessageConnection;
  const notes: unknown[] = [];

  before(async () => {
    t = await startServer<ReferenceService>();
    stop = installReferenceDaemon(t.server, { tickMs: 20 }).stop;
    t.server.onNotification('note', (params) => {
      notes.push(params);
    });
    socket = net.connect(t.path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    conn.listen();
  });
  after(async () => {
    conn.dispose();
    socket.destroy();
    stop();
    await t.cleanup();
  });

  it('calls methods, says $/hello, and is listed as an lsp client', async () => {
    const hello = await conn.sendRequest<{ protocol: number; capabilities: { modes: string[] } }>('$/hello', { protocol: 1, client: { name: 'vscode-jsonrpc', version: '10' } });
    assert.equal(hello.protocol, 1);
    assert.ok(hello.capabilities.modes.includes('lsp'));
    assert.deepEqual(await conn.sendRequest('echo', { hello: 'wörld' }), { hello: 'wörld' });
    assert.equal(await conn.sendRequest('sum', 1, 2, 3), 6, 'positional params travel as the array [1, 2, 3]');
    const info = t.server.clients();
    assert.equal(info.length, 1);
    assert.equal(info[0]!.mode, 'lsp');
    // the kernel's pid and uid of the peer (SO_PEERCRED, docs/security.md "Peer identity"): this process
    assert.deepEqual(info[0]!.client, { name: 'vscode-jsonrpc', version: '10', pid: process.pid, uid: process.getuid!() });
  });

  it('sends notifications the server handles', async () => {
    await conn.sendNotification('note', { n: 1 });
    await conn.sendNotification('note', { n: 2 });
    await waitFor(() => notes.length === 2, 30_000, 'two notifications');
    assert.deepEqual(notes, [{ n: 1 }, { n: 2 }]);
  });

  it('rejects with the server errors: -32601, and -32602 with the schema issues', async () => {
    await assert.rejects(conn.sendRequest('no.such.method'), (err: unknown) => {
      assert.ok(err instanceof LspResponseError);
      assert.equal(err.code, -32601);
      assert.match(err.message, /method not found: no\.such\.method/);
      return true;
    });
    await assert.rejects(conn.sendRequest('sum', 1, 'two'), (err: unknown) => {
      assert.ok(err instanceof LspResponseError);
      assert.equal(err.code, -32602);
      const issues = (err.data as { issues: Array<{ message: string; path: unknown[] }> }).issues;
      assert.equal(issues.length, 1);
      assert.deepEqual(issues[0]!.path, [1]);
      return true;
    });
  });

  it('receives the events it subscribed to with $/subscribe', async () => {
    const ticks: Array<{ time: number; n: number }> = [];
    const sub = conn.onNotification('clock.tick', (p: { time: number; n: number }) => void ticks.push(p));
    assert.deepEqual(await conn.sendRequest('$/subscribe', { topics: ['clock.*'] }), { topics: ['clock.*'] });
    await waitFor(() => ticks.length >= 3, 30_000, 'three clock.tick events');
    sub.dispose();
    assert.ok(ticks.every((p) => typeof p.time === 'number' && Number.isInteger(p.n)));
    assert.ok(ticks[1]!.n > ticks[0]!.n);
    await conn.sendRequest('$/unsubscribe', { topics: ['clock.*'] });
  });

  it('cancels through its CancellationToken: $/cancelRequest aborts the handler and the request fails with -32800', async () => {
    const cts = new CancellationTokenSource();
    const started = Date.now();
    const call = conn.sendRequest('sleep', { ms: 60_000 }, cts.token);
    await waitFor(() => t.server.clients()[0]?.inFlight === 1, 30_000, 'the sleep in flight');
    cts.cancel();
    await assert.rejects(call, (err: unknown) => {
      assert.ok(err instanceof LspResponseError);
      assert.equal(err.code, -32800);
      return true;
    });
    assert.ok(Date.now() - started < 50_000, 'answered at cancel, not after the sleep');
    await waitFor(() => t.server.clients()[0]?.inFlight === 0, 30_000, 'nothing in flight');
    assert.deepEqual(await conn.sendRequest('sleep', { ms: 1 }), { slept: 1 }, 'the connection goes on');
  });
});
