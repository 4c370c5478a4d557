/** Mode sniffing on the first significant byte (DESIGN.md §3) and the pluggable mode handlers. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { RawClient, startServer, type TestServer } from './rpc-harness.js';

describe('connection modes without text/binary handlers', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
  });
  after(async () => t.cleanup());

  it('text mode: replies "ERR: text mode not enabled on this server" and closes', async () => {
    const c = await RawClient.connect(t.path);
    c.send('STATUS\n');
    assert.equal(await c.nextLine(), 'ERR: text mode not enabled on this server');
    await c.waitClosed();
  });

  it('binary mode (0x00) with a bad preface: the server preface + an error frame, then closed', async () => {
    const c = await RawClient.connect(t.path);
    c.socket.write(Buffer.from([0, 1, 2, 3]));
    await c.waitClosed();
    assert.match((await c.nextLine()) ?? '', /^\u0000SW\u0001[^]*not a sidewire binary preface/);
  });

  it('an invalid first byte closes the connection', async () => {
    const c = await RawClient.connect(t.path);
    c.socket.write(Buffer.from([0xff, 0xfe, 0x7b]));
    await c.waitClosed();
    assert.equal(c.closed, true);
  });

  it('leading whitespace, even in separate chunks, is skipped before JSON', async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.send('  \r\n');
      await new Promise((r) => setTimeout(r, 20));
      c.send('\t {"jsonrpc":"2.0","id":1,"method":"$/ping"}\n');
      assert.equal((await c.next()).id, 1);
    } finally {
      c.close();
    }
  });

  it('"[" selects JSON mode too (a batch as first message)', async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.send([{ jsonrpc: '2.0', id: 1, method: '$/ping' }]);
      const r = await c.next();
      assert.equal(r[0].id, 1);
    } finally {
      c.close();
    }
  });
});

describe('pluggable mode handlers', () => {
  let t: TestServer;
  const seen: Array<{ mode: string; initial: string }> = [];
  before(async () => {
    const handler = (mode: string) => (socket: Socket, initial: Buffer): void => {
      seen.push({ mode, initial: initial.toString('latin1') });
      socket.end(`${mode} handled\n`);
    };
    t = await startServer({ modeHandlers: { text: handler('text'), binary: handler('binary') } });
  });
  after(async () => t.cleanup());

  it('routes text and binary sockets with the bytes read so far', async () => {
    const a = await RawClient.connect(t.path);
    a.send('  PING\n');
    assert.equal(await a.nextLine(), 'text handled');
    const b = await RawClient.connect(t.path);
    b.socket.write(Buffer.from([0, 0x53, 0x57]));
    assert.equal(await b.nextLine(), 'binary handled');
    assert.deepEqual(seen, [
      { mode: 'text', initial: 'PING\n' },
      { mode: 'binary', initial: '\u0000SW' },
    ]);
  });

  it('capabilities list the enabled modes', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const r = await c.request('$/hello', { protocol: 1 });
      assert.deepEqual(r.result.capabilities.modes, ['json', 'binary', 'lsp', 'text']);
    } finally {
      c.close();
    }
  });
});
