/**
 * Windows has no SIGTERM: `child.kill()` (and Task Manager's "End task") terminates a process
 * without running any handler, so a killed daemon leaves its pid and discovery files behind.
 * Clients must see it as not running, and the next `sidewire serve` must start in its place.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect } from '../dist/index.js';
import { collect, runCli, spawnCli, waitForOutput } from '../test/helpers/cli.js';
import { assertWindows, STEP_MS, uniqueApp } from './helpers.js';

assertWindows();

describe('win32: a terminated daemon (no SIGTERM) and the next one', () => {
  const app = uniqueApp();
  const runtimeDir = path.join(process.env['LOCALAPPDATA']!, app);
  const discoveryPath = path.join(runtimeDir, `${app}.json`);
  const pidPath = path.join(runtimeDir, `${app}.pid`);
  const servers: ChildProcess[] = [];
  after(() => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  async function startServe(): Promise<ChildProcess> {
    const server = spawnCli(['serve', '--app', app]);
    servers.push(server);
    await waitForOutput(server, /pid file: .*\n/, STEP_MS);
    return server;
  }

  it('kill() terminates it at once: no handler runs, its pid and discovery files stay', async () => {
    const server = await startServe();
    const exited = collect(server, STEP_MS);
    server.kill('SIGTERM');
    const r = await exited;
    assert.equal(r.code, null, 'terminated, not exited');
    assert.doesNotMatch(r.stdout, /stopped/, 'no graceful stop ran');
    assert.ok(fs.existsSync(discoveryPath) && fs.existsSync(pidPath), 'files left behind');
  });

  it('sidewire status sees the stale files as not running (exit 3)', async () => {
    const r = await runCli(['status', '--app', app], {}, STEP_MS);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /not running/);
  });

  it('the next sidewire serve takes its place; a client calls it; stop ends it', async () => {
    const server = await startServe();
    const exited = collect(server, 2 * STEP_MS);
    const record = JSON.parse(fs.readFileSync(discoveryPath, 'utf8'));
    assert.equal(record.pid, server.pid, 'a fresh discovery file');
    assert.equal(fs.readFileSync(pidPath, 'utf8').trim(), String(server.pid), 'a fresh pid file');
    const client = await connect({ app, connectTimeoutMs: STEP_MS });
    try {
      assert.deepEqual(await client.call('echo', [2]), [2]);
    } finally {
      await client.close();
    }
    const stop = await runCli(['stop', '--app', app], {}, 2 * STEP_MS);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await exited).code, 0);
  });
});
