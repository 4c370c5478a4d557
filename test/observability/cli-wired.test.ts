/**
 * `sidewire serve --health-port 0` and `sidewire top` as real processes: the real health URL is
 * printed, /health and /metrics answer over loopback HTTP, a foreign Host is refused, and top
 * shows the counters of the traffic the test sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { sampleValue } from './exposition.js';
import { httpGet } from './wire.js';

describe('sidewire serve --health-port and sidewire top', () => {
  const { dir, cleanup } = tempDir('swo');
  const endpoint = `unix://${path.join(dir, 's.sock')}`;
  const env = { XDG_RUNTIME_DIR: dir, SIDEWIRE_LOG: undefined, DEBUG: undefined };
  let server: ChildProcess;
  let url = '';
  before(async () => {
    server = spawnCli(['serve', '--endpoint', endpoint, '--health-port', '0', '--tick-ms', '60000'], env);
    const banner = await waitForOutput(server, /health: http:\/\/127\.0\.0\.1:\d+\/health.*\n/, 30_000);
    url = /health: (http:\/\/127\.0\.0\.1:\d+)\/health/.exec(banner)![1]!;
    assert.doesNotMatch(url, /:0$/, 'the real port, not 0');
  });
  after(() => {
    server.kill('SIGKILL');
    cleanup();
  });

  test('/health and /metrics answer; requests made with sidewire call are counted exactly; evil.example is refused', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['call', 'echo', `[${i}]`, '--endpoint', endpoint], env);
      assert.equal(r.code, 0, r.stderr);
    }
    const health = await httpGet({ url }, '/health');
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).state, 'running');
    const metrics = await httpGet({ url }, '/metrics');
    assert.equal(metrics.status, 200);
    assert.equal(sampleValue(metrics.body, 'sidewire_request_duration_seconds_count', { method: 'echo' }), 3);
    const total = ['json', 'binary'].reduce((n, mode) => n + (sampleValue(metrics.body, 'sidewire_connections_total', { mode }) ?? 0), 0);
    assert.equal(total, 3, 'one connection per sidewire call');
    assert.equal(sampleValue(metrics.body, 'sidewire_errors_total', { code: '-32601' }), undefined);
    const evil = await httpGet({ url }, '/health', { host: 'evil.example' });
    assert.equal(evil.status, 403);
  });

  test('sidewire top --json --count 2 prints two refreshes with counters and rates', async () => {
    const r = await runCli(['top', '--endpoint', endpoint, '--json', '--count', '2', '--interval', '200'], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { stats: { metrics: { requests: number } | null }; rates: { requests: number } | null });
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.rates, null);
    assert.ok(lines[1]!.rates !== null && lines[1]!.rates.requests === 0, "top's own $/stats polling is not counted (docs/observability.md)");
    assert.ok(lines[0]!.stats.metrics !== null && lines[0]!.stats.metrics.requests >= 3);
  });

  test('sidewire top --count 1 prints one screen', async () => {
    const r = await runCli(['top', '--endpoint', endpoint, '--count', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sidewire top — unix:\/\/.* — running, up \d+s/);
    assert.match(r.stdout, /\nconnections +1 open/);
    assert.match(r.stdout, /\nrequests .* in flight 0 /);
  });

  test('bad flags exit 2', async () => {
    const port = await runCli(['serve', '--endpoint', endpoint, '--health-port', 'x'], env);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--health-port must be a port number/);
    const both = await runCli(['serve', '--endpoint', endpoint, '--health-port', '0', '--health-socket', path.join(dir, 'h.sock')], env);
    assert.equal(both.code, 2);
    const top = await runCli(['top', '--endpoint', endpoint, '--count', '0'], env);
    assert.equal(top.code, 2);
  });
});
