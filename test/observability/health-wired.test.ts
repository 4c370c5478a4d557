/**
 * The `health` option of a real server: /health and /metrics over loopback HTTP or a unix
 * socket, 503 during a graceful close, foreign Host headers refused, closed with the server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as path from 'node:path';
import { isSidewireError } from '../../src/errors.js';
import { serve, type Server } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { VERSION } from '../../src/version.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { sampleValue } from './exposition.js';
import { CountingClient, eventually, httpGet } from './wire.js';

async function withServer(options: ServerOptions, fn: (server: Server, socketPath: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir('swh');
  const socketPath = path.join(dir, 's.sock');
  const server = await serve({ app: uniqueName('h'), endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, ...options });
  try {
    await fn(server, socketPath, dir);
  } finally {
    await server.close({ deadlineMs: 200 });
    cleanup();
  }
}

describe('server health endpoint', () => {
  test('GET /health reports state, uptime, connections and version; a foreign Host is refused', async () => {
    await withServer({ metrics: true, health: { port: 0 } }, async (server, socketPath) => {
      assert.match(server.healthUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const c = await CountingClient.connect({ path: socketPath });
      try {
        await c.request('$/ping');
        const reply = await httpGet({ url: server.healthUrl! }, '/health');
        assert.equal(reply.status, 200);
        const body = JSON.parse(reply.body) as Record<string, unknown>;
        assert.deepEqual(Object.keys(body).sort(), ['connections', 'state', 'status', 'uptimeSecs', 'version']);
        assert.equal(body['status'], 'ok');
        assert.equal(body['state'], 'running');
        assert.equal(body['connections'], 1);
        assert.equal(body['version'], VERSION);
        assert.equal(typeof body['uptimeSecs'], 'number');
        const evil = await httpGet({ url: server.healthUrl! }, '/health', { host: 'evil.example' });
        assert.equal(evil.status, 403);
        assert.doesNotMatch(evil.body, /running/);
        const evilMetrics = await httpGet({ url: server.healthUrl! }, '/metrics', { host: 'evil.example:80' });
        assert.equal(evilMetrics.status, 403);
        assert.equal((await httpGet({ url: server.healthUrl! }, '/other')).status, 404);
      } finally {
        c.close();
      }
    });
  });

  test('/health answers 503 "stopping" while a graceful close waits for an in-flight request, then the health server is gone', async () => {
    const { dir, cleanup } = tempDir('swh');
    const socketPath = path.join(dir, 's.sock');
    const server = await serve({ app: uniqueName('h'), endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, metrics: true, health: { port: 0 } });
    let release: () => void = () => undefined;
    server.method('slow', () => new Promise((resolve) => {
      release = () => resolve('done');
    }));
    const url = server.healthUrl!;
    const c = await CountingClient.connect({ path: socketPath });
    try {
      c.send({ jsonrpc: '2.0', id: 1, method: 'slow' });
      await eventually(() => server.clients().some((x) => x.inFlight === 1), 'slow request in flight');
      assert.equal((await httpGet({ url }, '/health')).status, 200);
      const closing = server.close({ deadlineMs: 10_000 });
      const during = await httpGet({ url }, '/health');
      assert.equal(during.status, 503);
      assert.equal(JSON.parse(during.body).status, 'stopping');
      assert.equal(JSON.parse(during.body).state, 'stopping');
      const metrics = await httpGet({ url }, '/metrics');
      assert.equal(sampleValue(metrics.body, 'sidewire_requests_in_flight'), 1);
      release();
      assert.deepEqual(await c.next(), { jsonrpc: '2.0', id: 1, result: 'done' });
      await closing;
      await assert.rejects(httpGet({ url }, '/health'), /ECONNREFUSED/);
    } finally {
      release();
      c.close();
      await server.close();
      cleanup();
    }
  });

  test('health on a unix socket (path option) accepts any Host', async () => {
    const { dir, cleanup } = tempDir('swu');
    const healthPath = path.join(dir, 'h.sock');
    try {
      await withServer({ metrics: true, health: { path: healthPath } }, async (server) => {
        assert.equal(server.healthUrl, `http+unix://${encodeURIComponent(healthPath)}`);
        const reply = await httpGet({ socketPath: healthPath }, '/health', { host: 'evil.example' });
        assert.equal(reply.status, 200);
        const metrics = await httpGet({ socketPath: healthPath }, '/metrics');
        assert.equal(metrics.status, 200);
        assert.equal(sampleValue(metrics.body, 'sidewire_connections', { mode: 'json' }), 0);
      });
    } finally {
      cleanup();
    }
  });

  test('a health port in use: listen() fails with ERR_ENDPOINT_IN_USE and the server is closed again', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const { dir, cleanup } = tempDir('swb');
    const socketPath = path.join(dir, 's.sock');
    try {
      await assert.rejects(
        serve({ app: uniqueName('b'), endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, health: { port } }),
        (err: unknown) => isSidewireError(err, 'ERR_ENDPOINT_IN_USE') && err.fixes.length > 0,
      );
      await assert.rejects(CountingClient.connect({ path: socketPath }), /ENOENT|ECONNREFUSED/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      cleanup();
    }
  });

  test('a non-loopback health host is refused with ERR_ENDPOINT_REMOTE', async () => {
    const { dir, cleanup } = tempDir('swr');
    try {
      await assert.rejects(
        serve({ app: uniqueName('r'), endpoint: `unix://${path.join(dir, 's.sock')}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, health: { host: '0.0.0.0' } }),
        (err: unknown) => isSidewireError(err, 'ERR_ENDPOINT_REMOTE'),
      );
    } finally {
      cleanup();
    }
  });
});
