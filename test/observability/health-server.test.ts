import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { EndpointError, isSidewireError } from '../../src/errors.js';
import { startHealthServer, type HealthServer, type HealthServerOptions, type HealthSnapshot } from '../../src/observability/health-server.js';
import { ServerMetrics } from '../../src/observability/metrics.js';
import { tempDir, uniqueName } from '../helpers/names.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Target = { port: number } | { socketPath: string };

/** One HTTP request with a hard timeout, so no test can hang. */
function request(target: Target, options: http.RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const req = http.request({ path: '/health', agent: false, ...where, ...options, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

const snapshot = (state: string): HealthSnapshot => ({ state, uptimeSecs: 12, connections: 3, version: '1.2.3', pid: 42 });

const servers: HealthServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function start(options: Partial<HealthServerOptions> = {}): Promise<{ server: HealthServer; port: number }> {
  const server = await startHealthServer({ health: () => snapshot('running'), ...options });
  servers.push(server);
  assert.equal(server.address.kind, 'tcp');
  const port = server.address.kind === 'tcp' ? server.address.port : 0;
  return { server, port };
}

describe('health server over loopback TCP', () => {
  test('GET /health answers 200 JSON with every field', async () => {
    const { server, port } = await start();
    assert.equal(server.url, `http://127.0.0.1:${port}`);
    const reply = await request({ port });
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(reply.body), { status: 'ok', state: 'running', uptimeSecs: 12, connections: 3, version: '1.2.3', pid: 42 });
    const withQuery = await request({ port }, { path: '/health?verbose=1' });
    assert.equal(withQuery.status, 200);
  });

  test('answers 503 with status "stopping" while stopping or stopped', async () => {
    let state = 'stopping';
    const { port } = await start({ health: () => snapshot(state) });
    const stopping = await request({ port });
    assert.equal(stopping.status, 503);
    assert.equal(JSON.parse(stopping.body).status, 'stopping');
    assert.equal(JSON.parse(stopping.body).state, 'stopping');
    state = 'stopped';
    assert.equal((await request({ port })).status, 503);
    state = 'paused';
    assert.equal((await request({ port })).status, 200);
  });

  test('GET /metrics returns the Prometheus text of ServerMetrics', async () => {
    const metrics = new ServerMetrics();
    metrics.connectionOpened('json');
    const { port } = await start({ metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }) });
    const reply = await request({ port }, { path: '/metrics' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], metrics.contentType);
    assert.match(reply.body, /^sidewire_connections\{mode="json"\} 1$/m);
  });

  test('/metrics is 404 without a metrics function; failures are 500 without details', async () => {
    const { port } = await start();
    assert.equal((await request({ port }, { path: '/metrics' })).status, 404);
    const failing = await start({
      metrics: () => Promise.reject(new Error('secret internals')),
      health: () => {
        throw new Error('secret internals');
      },
    });
    for (const p of ['/metrics', '/health']) {
      const reply = await request({ port: failing.port }, { path: p });
      assert.equal(reply.status, 500, p);
      assert.ok(!reply.body.includes('secret internals'), reply.body);
    }
  });

  test('refuses foreign Host headers (DNS rebinding), accepts loopback ones', async () => {
    const { port } = await start({ allowedHosts: ['myhost.lan'] });
    const evil = await request({ port }, { headers: { host: 'evil.example' } });
    assert.equal(evil.status, 403);
    assert.match(evil.body, /Host/);
    assert.equal((await request({ port }, { headers: { host: `evil.example:${port}` } })).status, 403);
    assert.equal((await request({ port }, { setHost: false })).status, 403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'myhost.lan']) {
      assert.equal((await request({ port }, { headers: { host } })).status, 200, host);
    }
  });

  test('unknown paths are 404, other methods 405, HEAD has no body', async () => {
    const { port } = await start();
    assert.equal((await request({ port }, { path: '/' })).status, 404);
    assert.equal((await request({ port }, { path: '/admin' })).status, 404);
    const post = await request({ port }, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');
    assert.equal((await request({ port }, { method: 'DELETE', path: '/metrics' })).status, 405);
    const head = await request({ port }, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
  });

  test('close() ends idle keep-alive connections and is idempotent', async () => {
    const server = await startHealthServer({ health: () => snapshot('running'), keepAliveTimeoutMs: 60_000 });
    const port = server.address.kind === 'tcp' ? server.address.port : 0;
    const agent = new http.Agent({ keepAlive: true });
    try {
      const reply = await request({ port }, { agent });
      assert.equal(reply.status, 200);
      const guard = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000).unref());
      assert.equal(await Promise.race([server.close().then(() => 'closed'), guard]), 'closed');
      await server.close();
      await assert.rejects(request({ port }), (err: unknown) => (err as NodeJS.ErrnoException).code === 'ECONNREFUSED');
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});

describe('health server options', () => {
  test('a non-loopback host is refused without allowRemote', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      await assert.rejects(
        startHealthServer({ host, health: () => snapshot('running') }),
        (err: unknown) => err instanceof EndpointError && err.code === 'ERR_ENDPOINT_REMOTE' && err.fixes.length > 0,
        host,
      );
    }
  });

  test('bad port, relative path and a missing health function are ERR_INVALID_ARGUMENT', async () => {
    const invalid = (err: unknown): boolean => isSidewireError(err, 'ERR_INVALID_ARGUMENT');
    await assert.rejects(startHealthServer({ port: 70000, health: () => snapshot('running') }), invalid);
    await assert.rejects(startHealthServer({ path: 'rel/h.sock', health: () => snapshot('running') }), invalid);
    await assert.rejects(startHealthServer({} as HealthServerOptions), invalid);
  });

  test('a port in use is ERR_ENDPOINT_IN_USE', async () => {
    const { port } = await start();
    await assert.rejects(
      startHealthServer({ port, health: () => snapshot('running') }),
      (err: unknown) => isSidewireError(err, 'ERR_ENDPOINT_IN_USE') && err.cause !== undefined,
    );
  });
});

describe('health server on a unix socket', () => {
  test('serves /health over the socket, any Host accepted, mode 0600, file removed on close', async () => {
    const { dir, cleanup } = tempDir('swh');
    const socketPath = path.join(dir, `${uniqueName('h')}.sock`);
    const server = await startHealthServer({ path: socketPath, health: () => snapshot('running') });
    try {
      assert.deepEqual(server.address, { kind: 'unix', path: socketPath });
      assert.equal(server.url, `http+unix://${encodeURIComponent(socketPath)}`);
      assert.equal(fs.statSync(socketPath).mode & 0o777, 0o600);
      const reply = await request({ socketPath }, { headers: { host: 'evil.example' } });
      assert.equal(reply.status, 200);
      assert.equal(JSON.parse(reply.body).status, 'ok');
      assert.equal((await request({ socketPath }, { setHost: false })).status, 200);
      assert.equal((await request({ socketPath }, { method: 'POST' })).status, 405);
      await server.close();
      assert.equal(fs.existsSync(socketPath), false);
    } finally {
      await server.close();
      cleanup();
    }
  });
});
