/**
 * The server side of durable notifications: `$/durable` on the wire, de-duplication that survives
 * a restart, ingestion of spool files left by producers that exited, the catch-all handler.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NotificationContext } from '../../src/server/dispatch.js';
import { createServer, serve, type Server } from '../../src/server/server.js';
import type { DurableOption } from '../../src/server/durable/durable-store.js';
import { toSpoolLine } from '../../src/protocol/durable-message.js';
import { producerFileName } from '../../src/spool/paths.js';
import { ownStartTime } from '../../src/util/process-identity.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { RawClient, waitFor } from '../rpc/rpc-harness.js';

/** A pid that surely belongs to no running process: one of a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

interface Env {
  readonly dir: string;
  readonly sock: string;
  readonly endpoint: string;
  readonly spoolDir: string;
  readonly app: string;
  readonly env: Record<string, string>;
  readonly got: Array<{ method: string; params: unknown; clientId: string }>;
  start(configure?: (s: Server) => void, durable?: DurableOption): Promise<Server>;
  cleanup(): void;
}

function setup(): Env {
  const { dir, cleanup } = tempDir('swi');
  const sock = path.join(dir, 's.sock');
  const got: Env['got'] = [];
  const app = uniqueName('i');
  const env = { XDG_RUNTIME_DIR: dir };
  return {
    dir,
    sock,
    endpoint: `unix://${sock}`,
    spoolDir: `${sock}.spool`,
    app,
    env,
    got,
    async start(configure, durable) {
      const s = createServer({ app, endpoint: `unix://${sock}`, env, cleanupOnExit: false, ...(durable === undefined ? {} : { durable }) });
      s.onNotification('hook.event', (params, ctx: NotificationContext) => void got.push({ method: ctx.method, params, clientId: ctx.clientId }));
      configure?.(s);
      return s.listen();
    },
    cleanup,
  };
}

function writeSpoolFile(spoolDir: string, pid: number, startedAt: number, lines: string[]): string {
  fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const file = path.join(spoolDir, producerFileName(pid, startedAt, 'abcdef012345'));
  fs.writeFileSync(file, lines.join(''), { mode: 0o600 });
  return file;
}

describe('$/durable', () => {
  const e = setup();
  let server: Server | undefined;
  after(async () => {
    await server?.close({ deadlineMs: 0 });
    e.cleanup();
  });

  it('delivers each id once, in order, and acknowledges after recording it', async () => {
    server = await e.start();
    const c = await RawClient.connect(e.sock);
    try {
      const messages = [
        { id: 'p1.1', method: 'hook.event', params: { n: 1 } },
        { id: 'p1.2', method: 'hook.event', params: { n: 2 } },
      ];
      const first = await c.request('$/durable', { messages });
      assert.deepEqual(first.result, { delivered: 2, duplicates: 0 });
      assert.deepEqual(e.got.map((g) => g.params), [{ n: 1 }, { n: 2 }]);
      assert.match(e.got[0]!.clientId, /^[0-9a-f]{12}$/);
      const again = await c.request('$/durable', { messages: [...messages, { id: 'p1.3', method: 'hook.event', params: { n: 3 } }] }, 2);
      assert.deepEqual(again.result, { delivered: 1, duplicates: 2 });
      assert.deepEqual(e.got.map((g) => g.params), [{ n: 1 }, { n: 2 }, { n: 3 }]);
      const seen = fs.readFileSync(path.join(e.spoolDir, 'server.seen'), 'utf8').trim().split('\n');
      assert.deepEqual(seen, ['"p1.1"', '"p1.2"', '"p1.3"']);
    } finally {
      c.close();
    }
  });

  it('refuses malformed batches with -32602', async () => {
    const c = await RawClient.connect(e.sock);
    try {
      for (const params of [undefined, {}, { messages: [] }, { messages: [{ id: 'x', method: '$/hello' }] }, { messages: [{ id: '', method: 'a' }] }]) {
        const r = await c.request('$/durable', params);
        assert.equal(r.error?.code, -32602, JSON.stringify(params));
      }
    } finally {
      c.close();
    }
  });

  it('remembers delivered ids across a restart (persisted seen log)', async () => {
    await server!.close({ deadlineMs: 0 });
    e.got.length = 0;
    server = await e.start();
    const c = await RawClient.connect(e.sock);
    try {
      const r = await c.request('$/durable', { messages: [{ id: 'p1.2', method: 'hook.event', params: { n: 2 } }, { id: 'p1.4', method: 'hook.event', params: { n: 4 } }] });
      assert.deepEqual(r.result, { delivered: 1, duplicates: 1 });
      assert.deepEqual(e.got.map((g) => g.params), [{ n: 4 }]);
    } finally {
      c.close();
    }
  });
});

describe('spool files of exited producers', () => {
  const e = setup();
  let server: Server | undefined;
  after(async () => {
    await server?.close({ deadlineMs: 0 });
    e.cleanup();
  });

  it('are delivered in order at start (torn lines skipped) and removed; a live producer\'s file is left to it', async () => {
    const line = (id: string, n: number): string => toSpoolLine({ id, method: 'hook.event', params: { n } });
    const dead = writeSpoolFile(e.spoolDir, deadPid(), 1000, [line('d.1', 1), line('d.2', 2), '{"id":"d.3","meth']);
    const live = writeSpoolFile(e.spoolDir, process.pid, ownStartTime(), [line('l.1', 9)]);
    server = await e.start((s) => s.durable.configure({ rescanMs: 50 }));
    await waitFor(() => e.got.length === 2, 5000, 'spooled messages');
    assert.deepEqual(e.got.map((g) => g.params), [{ n: 1 }, { n: 2 }]);
    assert.equal(e.got[0]!.clientId, '', 'read from a spool file, not from a connection');
    await waitFor(() => !fs.existsSync(dead), 5000, 'the ingested file to be removed');
    assert.equal(fs.existsSync(live), true, 'the live producer file stays');
  });

  it('a file that appears while the server runs is picked up by the rescan; duplicates are dropped', async () => {
    const line = (id: string, n: number): string => toSpoolLine({ id, method: 'hook.event', params: { n } });
    writeSpoolFile(e.spoolDir, deadPid(), 2000, [line('d.2', 2), line('e.1', 3)]);
    await waitFor(() => e.got.length === 3, 5000, 'rescan');
    assert.deepEqual(e.got.map((g) => g.params), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});

describe('durable off, and the catch-all handler', () => {
  for (const [how, start] of [
    ['configure(false)', (e: Env) => e.start((s) => s.durable.configure(false))],
    ['the server option durable: false', (e: Env) => e.start(undefined, false)],
  ] as const) {
    it(`${how} refuses $/durable (-32601) and ignores spool files`, async () => {
      const e = setup();
      const line = toSpoolLine({ id: 'x.1', method: 'hook.event', params: { n: 1 } });
      writeSpoolFile(e.spoolDir, deadPid(), 3000, [line]);
      const server = await start(e);
      assert.equal(server.durable.isEnabled, false);
      const c = await RawClient.connect(e.sock);
      try {
        const r = await c.request('$/durable', { messages: [{ id: 'a', method: 'hook.event' }] });
        assert.equal(r.error?.code, -32601);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(e.got.length, 0, 'spool files are ignored');
      } finally {
        c.close();
        await server.close({ deadlineMs: 0 });
        e.cleanup();
      }
    });
  }

  it("onNotification('*') gets notifications without their own handler (not those of request methods)", async () => {
    const { dir, cleanup } = tempDir('swi');
    const server = await serve({ app: uniqueName('i'), endpoint: `unix://${path.join(dir, 'c.sock')}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false });
    const any: string[] = [];
    const own: string[] = [];
    server.onNotification('*', (_p, ctx) => void any.push(ctx.method));
    server.onNotification('mine', (_p, ctx) => void own.push(ctx.method));
    server.method('echo', (p) => p);
    const c = await RawClient.connect(path.join(dir, 'c.sock'));
    try {
      for (const method of ['mine', 'other.thing', 'echo', '$/nothing']) c.send({ jsonrpc: '2.0', method, params: [] });
      assert.equal((await c.request('$/ping', undefined, 9)).id, 9);
      assert.deepEqual(own, ['mine']);
      assert.deepEqual(any, ['other.thing']);
    } finally {
      c.close();
      await server.close({ deadlineMs: 0 });
      cleanup();
    }
  });
});
