/** Hostile and broken peers: garbage, truncated JSON, a 100 MiB line, a connection flood. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import type * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { RawClient, startServer, waitFor, type TestServer } from './rpc-harness.js';

const MiB = 1024 * 1024;
const fixture = fileURLToPath(new URL('../fixtures/rpc-flood.ts', import.meta.url));

function write(socket: net.Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.write(data)) resolve();
    else {
      socket.once('drain', resolve);
      socket.once('close', () => reject(new Error('socket closed while writing')));
    }
  });
}

describe('broken input', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ limits: { maxMessageBytes: MiB } });
    t.server.method('echo', (p) => p);
  });
  after(async () => t.cleanup());

  it('garbage after a valid start is a parse error, and the connection survives', async () => {
    const c = await RawClient.connect(t.path);
    try {
      c.socket.write(Buffer.concat([Buffer.from('{'), Buffer.from([0xff, 0x00, 0x13, 0x80]), Buffer.from('\n')]));
      assert.equal((await c.next()).error.code, -32700);
      c.send('{}}}{{\n');
      assert.equal((await c.next()).error.code, -32700);
      assert.equal((await c.request('echo', ['ok'])).result[0], 'ok');
    } finally {
      c.close();
    }
  });

  it('a truncated message followed by EOF gets a parse error, and the server stays up', async () => {
    const c = await RawClient.connect(t.path);
    c.socket.end('{"jsonrpc":"2.0","id":1,"method":"ec');
    const r = await c.next();
    assert.equal(r.error.code, -32700);
    await c.waitClosed();
    const d = await RawClient.connect(t.path);
    try {
      assert.equal((await d.request('$/ping')).id, 1);
    } finally {
      d.close();
    }
  });

  it('a 100 MiB line gets -32004 early, is skipped without buffering, and others are served meanwhile', async () => {
    const big = await RawClient.connect(t.path);
    const other = await RawClient.connect(t.path);
    try {
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const chunk = Buffer.alloc(MiB, 0x61); // 'aaaa...'
      await write(big.socket, '{"jsonrpc":"2.0","id":1,"method":"echo","params":["');
      const reply = big.next(30_000);
      for (let i = 0; i < 100; i++) {
        await write(big.socket, chunk);
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        if (i === 50) assert.equal((await other.request('$/ping', undefined, 'mid')).id, 'mid', 'another client is served meanwhile');
      }
      await write(big.socket, '"]}\n');
      const r = await reply;
      assert.equal(r.id, null);
      assert.equal(r.error.code, -32004);
      assert.equal((await big.request('echo', ['after'], 2)).result[0], 'after', 'same connection keeps working');
      // Buffering the line would need >= 100 MiB; allow generous slack for GC noise.
      assert.ok(rssPeak - rssBefore < 64 * MiB, `rss grew by ${Math.round((rssPeak - rssBefore) / MiB)} MiB`);
    } finally {
      big.close();
      other.close();
    }
  });
});

describe('oversized: close policy', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ limits: { maxMessageBytes: 100, oversized: 'close' } });
  });
  after(async () => t.cleanup());

  it('answers -32004 then closes the connection', async () => {
    const c = await RawClient.connect(t.path);
    c.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x', params: ['y'.repeat(500)] }) + '\n');
    assert.equal((await c.next()).error.code, -32004);
    await c.waitClosed();
  });
});

/** The open-files limit of this process (children inherit it). */
function fdLimit(): number {
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? 1_000_000 : Number(out);
  } catch {
    return 1024;
  }
}

describe('connection flood', () => {
  // The flood runs in a child process (one fd per connection there, one here).
  const limit = fdLimit();
  const total = Math.min(2000, limit - 200);
  const maxConnections = total >= 2000 ? 1024 : Math.floor(total / 2);
  let t: TestServer;
  let child: ChildProcess | undefined;
  before(async () => {
    // The flood's sockets send nothing: keep them past the first-byte deadline for the test's length.
    t = await startServer({ limits: { maxConnections, firstByteTimeoutMs: 120_000 } });
  });
  after(async () => {
    child?.kill('SIGKILL');
    await t.cleanup();
  });

  it(`${total} connections against maxConnections ${maxConnections}: the extra ones get -32005, the server keeps serving`, async () => {
    const rejected = total - maxConnections;
    const rssBefore = process.memoryUsage().rss;
    child = spawn(process.execPath, ['--import', 'tsx', fixture, t.path, String(total), String(rejected)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const proc = child;
    const summaryLine = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('flood child did not report within 30 s')), 30_000);
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0]!);
        }
      });
      proc.once('exit', (code) => reject(new Error(`flood child exited early (${String(code)})`)));
    });
    const summary = JSON.parse(summaryLine) as { connected: number; busy: number; otherClosed: number; sample: string };
    assert.equal(summary.connected, total);
    assert.equal(summary.busy, rejected);
    assert.equal(summary.otherClosed, 0);
    assert.deepEqual(JSON.parse(summary.sample.trim()), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32005, message: `server busy: too many connections (limit ${maxConnections})` },
    });
    await waitFor(() => t.server.connectionCount === maxConnections, 10_000, 'server to hold maxConnections');
    assert.ok(process.memoryUsage().rss - rssBefore < 256 * MiB, 'memory stays bounded');
    // A fresh client is refused while full, and served once the flood is gone.
    const whileFull = await RawClient.connect(t.path);
    assert.equal((await whileFull.next()).error.code, -32005);
    whileFull.close();
    proc.stdin!.end();
    await waitFor(() => t.server.connectionCount === 0, 10_000, 'all connections to close');
    const fresh = await RawClient.connect(t.path);
    try {
      assert.equal((await fresh.request('$/ping', undefined, 'fresh')).id, 'fresh');
    } finally {
      fresh.close();
    }
  });
});
