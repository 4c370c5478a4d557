/**
 * Loopback TCP on Windows: `sidewire serve --endpoint tcp://127.0.0.1:0` publishes the real port
 * and its token in %LOCALAPPDATA%\<app>\<name>.json; clients that name only the app find both there,
 * and a client without the token is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, readDiscovery } from '../dist/index.js';
import { collect, runCli, spawnCli, waitForOutput } from '../test/helpers/cli.js';
import { assertWindows, STEP_MS, uniqueApp } from './helpers.js';

assertWindows();

describe('win32: TCP fallback with the token from the discovery file', () => {
  const app = uniqueApp();
  const runtimeDir = path.join(process.env['LOCALAPPDATA']!, app);
  const discoveryPath = path.join(runtimeDir, `${app}.json`);
  let server: ChildProcess;
  let exited: Promise<{ code: number | null }>;
  before(async () => {
    server = spawnCli(['serve', '--app', app, '--endpoint', 'tcp://127.0.0.1:0']);
    await waitForOutput(server, /pid file: .*\n/, STEP_MS);
    exited = collect(server, 3 * STEP_MS);
  });
  after(() => {
    if (server.exitCode === null) server.kill();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('the discovery file holds the real port and a 64-hex token', () => {
    const record = readDiscovery(discoveryPath);
    assert.ok(record, 'discovery file readable');
    assert.match(record.endpoint, /^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    assert.match(record.token ?? '', /^[0-9a-f]{64}$/);
    assert.equal(record.pid, server.pid);
  });

  it('the library client and sidewire call find it by --app alone', async () => {
    const client = await connect({ app, connectTimeoutMs: STEP_MS });
    try {
      assert.deepEqual(await client.call('echo', { over: 'tcp' }), { over: 'tcp' });
    } finally {
      await client.close();
    }
    const r = await runCli(['call', 'sum', '[2,3]', '--app', app], {}, STEP_MS);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '5');
  });

  it('a client with a wrong token is refused', async () => {
    const { endpoint } = readDiscovery(discoveryPath)!;
    const r = await runCli(['call', 'echo', '1', '--endpoint', endpoint, '--token', '0'.repeat(64)], {}, STEP_MS);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /token|auth/i);
  });

  it('sidewire stop ends it (exit 0) and removes the discovery file', async () => {
    const stop = await runCli(['stop', '--app', app], {}, 2 * STEP_MS);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await exited).code, 0);
    assert.equal(fs.existsSync(discoveryPath), false);
  });
});
