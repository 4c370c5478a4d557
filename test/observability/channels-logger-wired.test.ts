/**
 * Diagnostics channels and the logger wired into a real server: connect, request (plain and
 * tracing channel), error and disconnect messages carry the clientId; log lines too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger, LogLevel } from '../../src/observability/logger.js';
import { serve, type Server } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { CountingClient, eventually } from './wire.js';

async function withServer(options: ServerOptions, fn: (server: Server, socketPath: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('swc');
  const socketPath = path.join(dir, 's.sock');
  const server = await serve({ app: uniqueName('c'), endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, ...options });
  server.method('echo', (p) => p);
  server.method('crash', () => {
    throw new Error('boom');
  });
  try {
    await fn(server, socketPath);
  } finally {
    await server.close({ deadlineMs: 200 });
    cleanup();
  }
}

type Message = Record<string, unknown>;

/** Subscribes to the named channels; `stop()` unsubscribes. */
function record(names: readonly string[]): { got: Record<string, Message[]>; stop(): void } {
  const got: Record<string, Message[]> = {};
  const subs = names.map((name) => {
    got[name] = [];
    const fn = (m: unknown): void => {
      got[name]!.push(m as Message);
    };
    diagnosticsChannel.subscribe(name, fn);
    return () => diagnosticsChannel.unsubscribe(name, fn);
  });
  return { got, stop: () => subs.forEach((u) => u()) };
}

describe('diagnostics channels on a real server', () => {
  test('connect, request (ok and error), error and disconnect messages carry the clientId', async () => {
    const rec = record(['sidewire:server:connect', 'sidewire:server:request', 'sidewire:server:error', 'sidewire:server:disconnect']);
    try {
      await withServer({}, async (server, socketPath) => {
        const c = await CountingClient.connect({ path: socketPath });
        const hello = (await c.request('$/hello', { protocol: 1 }, 'h')).result as { clientId: string };
        const id = hello.clientId;
        await c.request('echo', [1], 7);
        assert.equal((await c.request('crash', undefined, 8)).error?.code, -32603);
        c.close();
        await eventually(() => rec.got['sidewire:server:disconnect']!.length === 1, 'disconnect published');
        assert.equal(server.clients().length, 0);
        assert.deepEqual(rec.got['sidewire:server:connect'], [{ clientId: id, mode: 'json' }]);
        const requests = rec.got['sidewire:server:request']!;
        assert.deepEqual(requests.map((r) => [r['clientId'], r['method'], r['id']]), [[id, '$/hello', 'h'], [id, 'echo', 7], [id, 'crash', 8]]);
        assert.ok(requests.every((r) => typeof r['durationMs'] === 'number' && (r['durationMs'] as number) >= 0));
        assert.equal(requests[1]!['error'], undefined);
        assert.deepEqual(requests[2]!['error'], { code: -32603, message: "internal error in method 'crash'" });
        const errors = rec.got['sidewire:server:error']!;
        assert.equal(errors.length, 1);
        assert.equal(errors[0]!['clientId'], id);
        assert.equal(errors[0]!['context'], 'handler');
        assert.equal((errors[0]!['error'] as Error).message, 'boom');
        const [disc] = rec.got['sidewire:server:disconnect']!;
        assert.equal(disc!['clientId'], id);
        assert.equal(disc!['mode'], 'json');
        assert.equal(disc!['reason'], 'closed');
        assert.equal(typeof disc!['durationMs'], 'number');
      });
    } finally {
      rec.stop();
    }
  });

  test('text sessions: connect and disconnect with mode text, the command as a request with id null (and traced)', async () => {
    const rec = record(['sidewire:server:connect', 'sidewire:server:request', 'sidewire:server:disconnect']);
    const traced: Message[] = [];
    const tracing = diagnosticsChannel.tracingChannel('sidewire:server:request');
    const none = (): void => {};
    const onStart = { start: (m: unknown): void => void traced.push(m as Message), end: none, asyncStart: none, asyncEnd: none, error: none };
    tracing.subscribe(onStart);
    try {
      await withServer({}, async (server, socketPath) => {
        server.textCommand('ECHO', 'echo');
        server.textCommand('CRASH', 'crash');
        const ask = (line: string): Promise<string> =>
          new Promise((resolve, reject) => {
            const s = net.connect(socketPath, () => s.end(line));
            let out = '';
            s.on('data', (d: Buffer) => (out += d.toString()));
            s.on('close', () => resolve(out));
            s.on('error', reject);
          });
        assert.equal(await ask('ECHO a b\n'), '["a","b"]\n');
        assert.match(await ask('CRASH\n'), /^ERR: /);
        await eventually(() => rec.got['sidewire:server:disconnect']!.length === 2, 'both disconnects published');
      });
      const connects = rec.got['sidewire:server:connect']!;
      assert.deepEqual(connects.map((m) => m['mode']), ['text', 'text']);
      const ids = connects.map((m) => m['clientId']);
      const requests = rec.got['sidewire:server:request']!;
      assert.deepEqual(requests.map((r) => [r['clientId'], r['method'], r['id']]), [[ids[0], 'echo', null], [ids[1], 'crash', null]]);
      assert.equal(requests[0]!['error'], undefined);
      assert.equal((requests[1]!['error'] as { code: number }).code, -32603);
      const disconnects = rec.got['sidewire:server:disconnect']!;
      assert.deepEqual(disconnects.map((m) => [m['clientId'], m['mode'], m['reason']]), [[ids[0], 'text', 'closed'], [ids[1], 'text', 'closed']]);
      assert.deepEqual(traced.map((m) => m['method']), ['echo', 'crash']);
    } finally {
      rec.stop();
      tracing.unsubscribe(onStart);
    }
  });

  test('the tracing channel wraps each handler call with start/end/asyncEnd and the result or error', async () => {
    const events: Array<[string, Message]> = [];
    const on = (kind: string) => (m: unknown): void => {
      events.push([kind, m as Message]);
    };
    const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') };
    const tracing = diagnosticsChannel.tracingChannel('sidewire:server:request');
    tracing.subscribe(handlers);
    try {
      await withServer({}, async (_server, socketPath) => {
        const c = await CountingClient.connect({ path: socketPath });
        try {
          assert.deepEqual((await c.request('echo', { a: 1 }, 1)).result, { a: 1 });
          assert.equal((await c.request('crash', undefined, 2)).error?.code, -32603);
        } finally {
          c.close();
        }
      });
    } finally {
      tracing.unsubscribe(handlers);
    }
    const kinds = (id: number): string[] => events.filter(([, m]) => m['id'] === id).map(([k]) => k);
    assert.deepEqual(kinds(1), ['start', 'end', 'asyncStart', 'asyncEnd']);
    assert.deepEqual(kinds(2), ['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    const done = events.find(([k, m]) => k === 'asyncEnd' && m['id'] === 1)![1];
    assert.equal(done['method'], 'echo');
    assert.match(String(done['clientId']), /^[0-9a-f]{12}$/);
    assert.deepEqual(done['result'], { a: 1 });
    const failed = events.find(([k, m]) => k === 'error' && m['id'] === 2)![1];
    assert.equal((failed['error'] as Error).message, 'boom');
  });
});

describe('logger on a real server', () => {
  test('connection lines carry clientId; refusals are warnings; handler crashes are errors', async () => {
    const lines: Array<{ level: LogLevel; obj: Message; msg: string | undefined }> = [];
    const at = (level: LogLevel) => (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Message, msg });
    };
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    await withServer({ logger, limits: { maxConnections: 1 } }, async (server, socketPath) => {
      const c = await CountingClient.connect({ path: socketPath });
      const id = ((await c.request('$/hello', { protocol: 1 })).result as { clientId: string }).clientId;
      assert.equal((await c.request('crash', undefined, 2)).error?.code, -32603);
      const extra = await CountingClient.connect({ path: socketPath });
      await extra.waitClosed();
      c.close();
      await eventually(() => lines.some((l) => l.msg === 'client disconnected'), 'disconnect logged');
      assert.equal(server.clients().length, 0);
      const connected = lines.find((l) => l.msg === 'client connected')!;
      assert.equal(connected.level, 'debug');
      assert.deepEqual(connected.obj, { clientId: id, mode: 'json' });
      const disconnected = lines.find((l) => l.msg === 'client disconnected')!;
      assert.equal(disconnected.obj['clientId'], id);
      const crash = lines.find((l) => l.level === 'error')!;
      assert.equal(crash.obj['clientId'], id);
      assert.equal((crash.obj['err'] as Error).message, 'boom');
      const refused = lines.find((l) => l.level === 'warn')!;
      assert.deepEqual(refused.obj, { reason: 'limit', limit: 1 });
      assert.match(refused.msg ?? '', /too many connections/);
    });
  });
});
