/**
 * The server-wide cap on bytes held for incomplete incoming messages (`limits.maxBufferedBytes`,
 * docs/protocol.md "Limits"): connections that each send most of a large message and stall can no
 * longer pin `maxConnections × maxMessageBytes` (40 × 16 MiB was 660 MiB; 16.5 GiB at the
 * connection limit). The connection that would go beyond gets -32005 and is closed; the others,
 * and new clients, keep being served. Each connection holds its first 64 KiB without counting
 * against the cap, so small messages cut by a read boundary are never refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrameHeader } from '../../src/framing/length-prefix.js';
import { FREE_BYTES_PER_CONNECTION } from '../../src/framing/receive-budget.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { RawClient, startServer, waitFor, type Json } from './rpc-harness.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const CAP = 4 * MiB;

/** Takes the first message of every client; `refused` fills with the clients that got -32005. */
function watchRefusals(clients: ReadonlyArray<{ next(timeoutMs?: number): Promise<Json> }>): { refused: Set<number>; errors: Json[]; firsts: Array<Promise<Json>> } {
  const refused = new Set<number>();
  const errors: Json[] = [];
  const firsts = clients.map((c, i) => c.next(60_000).then((m: Json) => {
    if (m?.error?.code === -32005) refused.add(i);
    if (m?.error !== undefined) errors.push(m.error);
    return m;
  }, () => undefined));
  return { refused, errors, firsts };
}

describe('incoming buffer cap', () => {
  it('regression: NDJSON connections holding partial messages cannot pin more than maxBufferedBytes; others are still served', async () => {
    const t = await startServer({ limits: { maxMessageBytes: MiB, maxBufferedBytes: CAP } });
    t.server.method('echo', (p) => p);
    const size = 900 * KiB;
    const partial = Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"echo","params":["${'x'.repeat(size - 52)}`); // no end, no newline
    const clients = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(t.path)));
    const { refused, errors, firsts } = watchRefusals(clients);
    try {
      let peak = 0;
      for (const c of clients) c.socket.write(partial);
      await waitFor(() => {
        peak = Math.max(peak, t.server.incomingBufferedBytes);
        return t.server.incomingBufferedBytes === (clients.length - refused.size) * partial.length;
      }, 30_000, 'every partial message to be held or refused');
      assert.ok(peak <= CAP + clients.length * FREE_BYTES_PER_CONNECTION, `held ${peak} bytes at the peak`);
      assert.ok(refused.size >= 6, `${refused.size} refused: at most 4 partial messages of 900 KiB (836 KiB beyond the free 64 KiB) fit in 4 MiB`);
      for (const e of errors) assert.deepEqual(e, { code: -32005, message: `server busy: too many bytes of incomplete messages held across connections (limit ${CAP})`, data: { limit: CAP } });
      for (const i of refused) await clients[i]!.waitClosed();
      const fresh = await RawClient.connect(t.path);
      try {
        assert.equal((await fresh.request('echo', ['small'])).result[0], 'small', 'a new client is served while the cap is nearly used');
      } finally {
        fresh.close();
      }
      const held = clients.findIndex((_, i) => !refused.has(i));
      clients[held]!.send('"]}\n');
      assert.equal((await firsts[held]!).result[0].length, size - 52, 'a held message completes normally');
      for (const c of clients) c.close();
      await waitFor(() => t.server.incomingBufferedBytes === 0, 10_000, 'closed connections to give their bytes back');
    } finally {
      for (const c of clients) c.close();
      await t.cleanup();
    }
  });

  it('regression: binary connections announcing large frames cannot pin more than maxBufferedBytes (the frame is counted from its header)', async () => {
    const t = await startServer({ limits: { maxMessageBytes: MiB, maxBufferedBytes: CAP } });
    const clients = await Promise.all(Array.from({ length: 10 }, () => BinaryRawClient.connect(t.path)));
    const { refused } = watchRefusals(clients);
    try {
      for (const c of clients) c.sendRaw(Buffer.concat([encodeFrameHeader(MiB), Buffer.alloc(100)]));
      await waitFor(() => refused.size === 6, 30_000, 'six connections to be refused');
      for (const i of refused) await clients[i]!.waitClosed();
      assert.equal(t.server.incomingBufferedBytes, 4 * MiB, 'four frames of 1 MiB, each counting 1 MiB - 64 KiB against the cap');
      const fresh = await BinaryRawClient.connect(t.path);
      try {
        assert.equal((await fresh.request('$/ping')).id, 1);
      } finally {
        fresh.close();
      }
      for (const c of clients) c.close();
      await waitFor(() => t.server.incomingBufferedBytes === 0, 10_000, 'closed connections to give their bytes back');
    } finally {
      for (const c of clients) c.close();
      await t.cleanup();
    }
  });

  it('while other connections fill the cap, a small message cut by a read boundary is still served (it fits in the free 64 KiB)', async () => {
    const t = await startServer({ limits: { maxMessageBytes: MiB, maxBufferedBytes: CAP } });
    t.server.method('echo', (p) => p);
    const hogs = await Promise.all(Array.from({ length: 5 }, () => BinaryRawClient.connect(t.path)));
    const { refused } = watchRefusals(hogs);
    const c = await RawClient.connect(t.path);
    try {
      for (const h of hogs) h.sendRaw(Buffer.concat([encodeFrameHeader(MiB), Buffer.alloc(100)]));
      await waitFor(() => refused.size === 1, 30_000, 'the cap to be full');
      const line = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['y'.repeat(20 * KiB)] }) + '\n';
      c.socket.write(line.slice(0, 10 * KiB));
      await waitFor(() => t.server.incomingBufferedBytes === 4 * MiB + 10 * KiB, 10_000, 'the first half to be held');
      c.send(line.slice(10 * KiB));
      assert.equal((await c.next()).result[0].length, 20 * KiB);
    } finally {
      for (const h of hogs) h.close();
      c.close();
      await t.cleanup();
    }
  });

  it('maxBufferedBytes defaults to 256 MiB, or maxMessageBytes when that is larger', async () => {
    const small = await startServer();
    const large = await startServer({ limits: { maxMessageBytes: 300 * MiB } });
    try {
      assert.equal(small.server.limits.maxBufferedBytes, 256 * MiB);
      assert.equal(large.server.limits.maxBufferedBytes, 300 * MiB);
    } finally {
      await small.cleanup();
      await large.cleanup();
    }
  });
});
