/**
 * The dashboard routes of a real health server (docs/observability.md "Dashboard"): the page, its
 * Host check, the token-guarded controls of a daemon-kit daemon, and a stalled `/events` reader
 * that is dropped with bounded buffering.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { createDaemon } from '../../src/daemon/daemon.js';
import { serve } from '../../src/server/server.js';
import type { Logger } from '../../src/observability/logger.js';
import { resolveDashboardOptions } from '../../src/observability/dashboard-options.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { eventually, httpGet } from './wire.js';

function post(base: string, p: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path: p, method: 'POST', headers, agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${p} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

interface Line {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('dashboard routes', () => {
  test('a daemon: GET / serves the page (controls only with the token), foreign Host 403, controls need the token and are logged', async () => {
    const { dir, cleanup } = tempDir('swd');
    const lines: Line[] = [];
    const daemon = createDaemon({
      app: uniqueName('d'),
      endpoint: `unix://${path.join(dir, 'd.sock')}`,
      env: { XDG_RUNTIME_DIR: dir },
      pidFile: false,
      handleSignals: false,
      metrics: true,
      logger: recordingLogger(lines),
      health: { port: 0, dashboard: true },
    });
    await daemon.start();
    try {
      const base = daemon.server.healthUrl!;
      const url = new URL(daemon.server.dashboardUrl!);
      const token = url.searchParams.get('token')!;
      assert.match(token, /^[0-9a-f]{64}$/, 'a unix-socket daemon gets a random per-start dashboard token');
      const withToken = await httpGet({ url: base }, `/?token=${token}`);
      assert.equal(withToken.status, 200);
      assert.match(String(withToken.headers['content-type']), /^text\/html/);
      assert.match(String(withToken.headers['content-security-policy']), /default-src 'none'/);
      assert.match(withToken.body, /data-controls="1"/);
      assert.match(withToken.body, /\.uplot\s*\{/, "uPlot's stylesheet is inlined");
      assert.ok(withToken.body.length > 40_000, "uPlot's script is inlined (no CDN)");
      assert.doesNotMatch(withToken.body, /<script[^>]+src=/);
      const without = await httpGet({ url: base }, '/');
      assert.match(without.body, /data-controls="0"/);
      const wrong = await httpGet({ url: base }, `/?token=${'0'.repeat(64)}`);
      assert.match(wrong.body, /data-controls="0"/);
      for (const p of ['/', `/?token=${token}`, '/events']) {
        const evil = await httpGet({ url: base }, p, { host: 'evil.example' });
        assert.equal(evil.status, 403, `foreign Host on ${p}`);
        assert.doesNotMatch(evil.body, /sidewire dashboard/);
      }
      assert.equal((await post(base, '/control/pause', { host: 'evil.example', 'x-sidewire-token': token })).status, 403);
      assert.equal((await post(base, '/control/pause')).status, 403);
      assert.equal((await post(base, '/control/pause', { 'x-sidewire-token': 'f'.repeat(64) })).status, 403);
      assert.equal(daemon.state, 'running');
      const paused = await post(base, '/control/pause', { 'x-sidewire-token': token });
      assert.equal(paused.status, 200, paused.body);
      assert.equal(daemon.state, 'paused');
      assert.equal((await post(base, '/control/pause', { 'x-sidewire-token': token })).status, 409, 'already paused');
      assert.equal((await post(base, '/control/resume', { 'x-sidewire-token': token })).status, 200);
      assert.equal(daemon.state, 'running');
      assert.equal((await post(base, '/control/reload', { 'x-sidewire-token': token })).status, 200);
      assert.equal((await post(base, '/control/nope', { 'x-sidewire-token': token })).status, 404);
      assert.equal((await httpGet({ url: base }, '/control/pause')).status, 405);
      const logged = lines.filter((l) => /dashboard control/.test(l.msg ?? '')).map((l) => `${String(l.obj['action'])}:${l.msg}`);
      assert.ok(logged.some((l) => l.startsWith('pause:') && /requested/.test(l)), logged.join('\n'));
      assert.ok(logged.some((l) => l.startsWith('resume:')), logged.join('\n'));
      assert.ok(logged.some((l) => l.startsWith('reload:')), logged.join('\n'));
      assert.ok(lines.some((l) => l.msg === 'dashboard control refused'), 'refusals are logged too');
    } finally {
      await daemon.stop();
      cleanup();
    }
  });

  test('a plain server: the page has no controls even with a token-like query, and control requests get 403', async () => {
    const { dir, cleanup } = tempDir('swd');
    const server = await serve({ app: uniqueName('p'), endpoint: `unix://${path.join(dir, 's.sock')}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, health: { port: 0, dashboard: true } });
    try {
      assert.equal(server.dashboardUrl, `${server.healthUrl!}/`);
      const page = await httpGet({ url: server.healthUrl! }, '/?token=whatever');
      assert.match(page.body, /data-controls="0"/);
      assert.equal((await post(server.healthUrl!, '/control/pause', { 'x-sidewire-token': 'whatever' })).status, 403);
    } finally {
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });

  test('defaults: intervalMs 1000, maxStreamBufferBytes 262144, maxStreams 16, no payloads, a random token without an endpoint token; bad values are refused', () => {
    const d = resolveDashboardOptions(true, undefined);
    assert.deepEqual({ ...d, token: d.token.length }, { token: 64, payloads: false, intervalMs: 1000, maxStreamBufferBytes: 262_144, maxStreams: 16 });
    assert.notEqual(resolveDashboardOptions(true, undefined).token, d.token, 'a new token per start');
    assert.equal(resolveDashboardOptions({}, 'endpoint-token-0123456789').token, 'endpoint-token-0123456789');
    assert.throws(() => resolveDashboardOptions({ maxStreams: 0 }, undefined), /maxStreams must be a positive integer/);
    assert.throws(() => resolveDashboardOptions({ token: 'short' }, undefined), /at least 16 characters/);
  });

  test('a daemon on a TCP endpoint with a token: the dashboard URL carries that token', async () => {
    const { dir, cleanup } = tempDir('swd');
    const daemon = createDaemon({ app: uniqueName('t'), endpoint: 'tcp://127.0.0.1:0', env: { XDG_RUNTIME_DIR: dir }, pidFile: false, handleSignals: false, health: { port: 0, dashboard: true } });
    await daemon.start();
    try {
      const token = daemon.server.token;
      assert.ok(token !== undefined && token.length >= 16);
      assert.equal(new URL(daemon.server.dashboardUrl!).searchParams.get('token'), token);
      assert.equal((await post(daemon.server.healthUrl!, '/control/pause', { 'x-sidewire-token': token })).status, 200);
      assert.equal(daemon.state, 'paused');
    } finally {
      await daemon.stop();
      cleanup();
    }
  });

  test('maxStreams: one /events stream too many gets 503', async () => {
    const { dir, cleanup } = tempDir('swd');
    const server = await serve({ app: uniqueName('m'), endpoint: `unix://${path.join(dir, 's.sock')}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, health: { port: 0, dashboard: { maxStreams: 1 } } });
    const u = new URL(server.healthUrl!);
    let first: http.ClientRequest | undefined;
    try {
      const firstStatus = await new Promise<number>((resolve, reject) => {
        first = http.get({ host: u.hostname, port: Number(u.port), path: '/events', agent: false }, (res) => resolve(res.statusCode ?? 0));
        first.on('error', reject);
      });
      assert.equal(firstStatus, 200);
      const second = await httpGet({ url: server.healthUrl! }, '/events');
      assert.equal(second.status, 503);
      assert.match(second.body, /maxStreams 1/);
    } finally {
      first?.destroy();
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });

  test('without dashboard: GET / answers 404', async () => {
    const { dir, cleanup } = tempDir('swd');
    const server = await serve({ app: uniqueName('n'), endpoint: `unix://${path.join(dir, 's.sock')}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, health: { port: 0 } });
    try {
      assert.equal(server.dashboardUrl, undefined);
      assert.equal((await httpGet({ url: server.healthUrl! }, '/')).status, 404);
    } finally {
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });

  test('regression: a stalled /events reader is dropped once maxStreamBufferBytes is passed, not buffered forever', async () => {
    const { dir, cleanup } = tempDir('swd');
    const lines: Line[] = [];
    const maxStreamBufferBytes = 65_536;
    const server = await serve({
      app: uniqueName('s'),
      endpoint: `unix://${path.join(dir, 's.sock')}`,
      env: { XDG_RUNTIME_DIR: dir },
      cleanupOnExit: false,
      logger: recordingLogger(lines),
      health: { port: 0, dashboard: { payloads: true, intervalMs: 20, maxStreamBufferBytes } },
    });
    const payload = { blob: 'x'.repeat(3900), token: 'hidden' };
    // Each snapshot carries the tail entries the stream has not had: up to 200 × ~4 kB.
    const publisher = setInterval(() => {
      for (let i = 0; i < 200; i++) server.publish('load.big', payload);
    }, 20);
    const u = new URL(server.healthUrl!);
    // A browser that reads keeps its stream, however big the snapshots.
    let healthySnapshots = 0;
    let healthyClosed = false;
    const healthy = http.get({ host: u.hostname, port: Number(u.port), path: '/events', agent: false }, (res) => {
      res.on('data', (c: Buffer) => (healthySnapshots += c.toString('latin1').split('data: {"type":"snapshot"').length - 1));
      res.on('close', () => (healthyClosed = true));
    });
    healthy.on('error', () => (healthyClosed = true));
    const reader = net.connect({ host: u.hostname, port: Number(u.port) });
    try {
      await new Promise<void>((resolve, reject) => {
        reader.once('connect', resolve);
        reader.once('error', reject);
      });
      reader.pause(); // never reads: the kernel buffers fill, then the server's queue grows
      reader.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${u.port}\r\n\r\n`);
      await eventually(() => lines.some((l) => /dashboard stream closed/.test(l.msg ?? '')), 'the stalled stream to be dropped', 120_000);
      const drop = lines.find((l) => /dashboard stream closed/.test(l.msg ?? ''))!;
      const queued = drop.obj['queuedBytes'] as number;
      // Bounded: the limit plus at most one snapshot (200 tail entries of ~4 kB each, plus the rest).
      assert.ok(queued > maxStreamBufferBytes && queued < maxStreamBufferBytes + 1_500_000, `queued ${queued} bytes`);
      const page = await httpGet({ url: server.healthUrl! }, '/');
      assert.equal(page.status, 200, 'the health server still answers');
      await eventually(() => healthySnapshots >= 5 || healthyClosed, 'the reading stream to get 5 snapshots', 120_000);
      assert.equal(healthyClosed, false, 'a stream that is read is not dropped');
      assert.equal(lines.filter((l) => /dashboard stream closed/.test(l.msg ?? '')).length, 1, 'only the stalled stream was dropped');
    } finally {
      healthy.destroy();
      clearInterval(publisher);
      reader.destroy();
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });
});
