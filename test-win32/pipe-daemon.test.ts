/**
 * The reference daemon on a named pipe, as a Windows user runs it: `sidewire serve` (node.exe,
 * built CLI) on the default `pipe://` endpoint; the library's client calls, notifies and
 * subscribes over the pipe; `sidewire call`, `notify`, `listen`, `status`; the daemon kit's text
 * commands; `sidewire stop`; and the pipe is gone once the server has exited.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type Client } from '../dist/index.js';
import { collect, runCli, spawnCli, waitForOutput } from '../test/helpers/cli.js';
import { assertWindows, pipePath, STEP_MS, textCommand, tryPipe, uniqueApp, waitFor } from './helpers.js';

assertWindows();

describe('win32: sidewire serve on the default named pipe', () => {
  const app = uniqueApp();
  const user = (process.env['USERNAME'] ?? 'user').toLowerCase();
  const pipeName = `${app}-${user}-${app}`;
  const endpoint = `pipe://${pipeName}`;
  const runtimeDir = path.join(process.env['LOCALAPPDATA']!, app);
  let server: ChildProcess;
  let banner = '';
  let exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  let client: Client;

  before(async () => {
    server = spawnCli(['serve', '--app', app, '--tick-ms', '200']);
    banner = await waitForOutput(server, /pid file: .*\n/, STEP_MS);
    exited = collect(server, 5 * STEP_MS);
    client = await connect({ app, connectTimeoutMs: STEP_MS, callTimeoutMs: STEP_MS });
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    if (server.exitCode === null) server.kill();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('listens on pipe://<app>-<user>-<name> with its files under %LOCALAPPDATA%\\<app>', () => {
    assert.match(banner, new RegExp(`^listening on ${endpoint}\\r?\\n`));
    const discovery = /discovery file: (.*)\r?\n/.exec(banner)?.[1];
    assert.equal(discovery, path.join(runtimeDir, `${app}.json`));
    const record = JSON.parse(fs.readFileSync(discovery!, 'utf8'));
    assert.equal(record.endpoint, endpoint);
    assert.equal(record.pid, server.pid);
    assert.equal(/pid file: (.*)\r?\n/.exec(banner)?.[1], path.join(runtimeDir, `${app}.pid`));
  });

  it('the library client calls and notifies over the pipe', async () => {
    assert.deepEqual(await client.call('echo', { hello: ['pipe', 1] }), { hello: ['pipe', 1] });
    assert.equal(await client.call('sum', [1, 2, 3.5]), 6.5);
    client.notify('note', { from: 'client' });
    await waitFor('the notification in the inbox', async () => ((await client.call('inbox.count')) as number) >= 1);
    const list = (await client.call('inbox.list', { limit: 10 })) as Array<{ method: string; params: unknown }>;
    assert.deepEqual(list.map((m) => [m.method, m.params]), [['note', { from: 'client' }]]);
  });

  it('the library client subscribes to clock.tick', async () => {
    const ticks: number[] = [];
    await client.subscribe('clock.tick', (data) => ticks.push((data as { n: number }).n));
    await waitFor('three clock.tick events', () => ticks.length >= 3);
    assert.ok(ticks[1]! > ticks[0]! && ticks[2]! > ticks[1]!, `ticks in order: ${ticks.join(',')}`);
  });

  it('sidewire call, notify and status find the daemon by --app alone', async () => {
    // One after the other: three node.exe starts at once can take minutes on a loaded machine.
    const call = await runCli(['call', 'echo', '{"x":[1,2]}', '--app', app], {}, STEP_MS);
    const notify = await runCli(['notify', 'cli.note', '{"y":2}', '--app', app], {}, STEP_MS);
    const status = await runCli(['status', '--app', app, '--json'], {}, STEP_MS);
    assert.equal(call.code, 0, call.stderr);
    assert.deepEqual(JSON.parse(call.stdout), { x: [1, 2] });
    assert.equal(notify.code, 0, notify.stderr);
    assert.equal(notify.stdout.trim(), 'delivered');
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.state, 'running');
    assert.equal(s.pid, server.pid);
  });

  it('sidewire listen prints clock.tick events as NDJSON', async () => {
    const listener = spawnCli(['listen', 'clock.tick', '--app', app]);
    try {
      const out = await waitForOutput(listener, /("topic"[^\n]*\n[^\n]*){2}\n/, STEP_MS);
      const first = JSON.parse(out.split('\n')[0]!);
      assert.equal(first.topic, 'clock.tick');
      assert.equal(typeof first.data.n, 'number');
    } finally {
      listener.kill();
    }
  });

  it("the daemon kit's text commands answer over the pipe", async () => {
    const pipe = pipePath(pipeName);
    assert.match(await textCommand(pipe, 'PING'), /^(OK|PONG)/);
    const status = await textCommand(pipe, 'STATUS');
    assert.match(status, /running/);
    assert.match(await textCommand(pipe, 'PAUSE'), /^OK/);
    assert.match(await textCommand(pipe, 'STATUS'), /paused/);
    assert.match(await textCommand(pipe, 'RESUME'), /^OK/);
    assert.match(await textCommand(pipe, 'HELP'), /STATUS/);
  });

  it('sidewire stop ends it gracefully (exit 0), its files go and the pipe is gone', async () => {
    const stop = await runCli(['stop', '--app', app], {}, 2 * STEP_MS);
    assert.equal(stop.code, 0, stop.stderr);
    const r = await exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await tryPipe(pipePath(pipeName)), 'ENOENT');
    assert.equal(fs.existsSync(path.join(runtimeDir, `${app}.json`)), false, 'discovery file removed');
    assert.equal(fs.existsSync(path.join(runtimeDir, `${app}.pid`)), false, 'pid file removed');
    const after = await runCli(['call', 'echo', '1', '--app', app], {}, STEP_MS);
    assert.equal(after.code, 3, after.stderr);
    assert.match(after.stderr, /not running|no server/);
  });
});
