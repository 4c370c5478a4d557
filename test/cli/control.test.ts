/** `sidewire status|pause|resume|reload|stop` against a real `sidewire serve` (the daemon kit), as processes. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { collect, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { startServer } from '../rpc/rpc-harness.js';
import { ask } from '../text/harness.js';

/** Polls `fn` until it returns true (rejects after `timeoutMs`). */
async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sidewire control commands against sidewire serve', () => {
  const { dir, cleanup } = tempDir('swctl');
  const sock = path.join(dir, 'c.sock');
  const endpoint = `unix://${sock}`;
  const config = path.join(dir, 'config.json');
  const env = { XDG_RUNTIME_DIR: dir };
  const at = ['--endpoint', endpoint];
  let server: ChildProcess;
  let banner = '';
  before(async () => {
    fs.writeFileSync(config, JSON.stringify({ level: 1 }));
    server = spawnCli(['serve', ...at, '--config', config], env);
    banner = await waitForOutput(server, /pid file: .*\n/);
  });
  after(() => {
    server.kill('SIGKILL');
    cleanup();
  });

  it('serve prints its pid file (beside the explicit socket), which holds its pid', () => {
    const pidFile = /pid file: (.*)\n/.exec(banner)?.[1];
    assert.equal(pidFile, `${sock}.pid`);
    assert.equal(fs.readFileSync(pidFile!, 'utf8'), `${server.pid}\n`);
  });

  it('status prints key: value lines', async () => {
    const r = await runCli(['status', ...at], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^state: running\npid: \d+\nuptimeSecs: \d+\nconnections: \d+\nversion: \d+\.\d+\.\d+\nendpoint: unix:\/\/.*\n/);
    assert.match(r.stdout, new RegExp(`\\npid: ${server.pid}\\n`));
    assert.match(r.stdout, /\nconfig: \{"level":1\}\n/);
    // The key counters from $/stats (sidewire serve keeps metrics): this very status call is one
    // of the requests counted.
    assert.match(r.stdout, /\nmessages: \d+ in \/ \d+ out\n/);
    assert.match(r.stdout, /\nrequests: [1-9]\d* \(\d+ in flight, \d+ errors\)\n/);
    assert.match(r.stdout, /\neventsDropped: \d+\n/);
  });

  it('status --json prints the exact daemon.status object', async () => {
    const r = await runCli(['status', ...at, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.state, 'running');
    assert.equal(s.pid, server.pid);
    assert.equal(s.endpoint, endpoint);
    assert.deepEqual(s.config, { level: 1 });
    assert.equal(typeof s.uptimeSecs, 'number');
    assert.equal(typeof s.connections, 'number');
  });

  it('pause → 0, pause again → 1 with the reason and fix, resume → 0', async () => {
    const p = await runCli(['pause', ...at], env);
    assert.deepEqual([p.code, p.stdout], [0, 'paused\n']);
    assert.equal(JSON.parse(await ask(sock, 'STATUS\n')).state, 'paused');
    const again = await runCli(['pause', ...at], env);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^sidewire: pause failed: already paused\nHow to fix:\n {2}1\. /);
    const json = await runCli(['pause', ...at, '--json'], env);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.message, 'already paused');
    const r = await runCli(['resume', ...at, '--json'], env);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, result: 'OK' });
    assert.equal(JSON.parse(await ask(sock, 'STATUS\n')).state, 'running');
  });

  it('reload: a broken config → 1 with what and where, the old config stays; a good one → 0', async () => {
    fs.writeFileSync(config, '{"level": 2,,}');
    const bad = await runCli(['reload', ...at], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, new RegExp(`^sidewire: reload failed: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 1 column 13`));
    assert.deepEqual(JSON.parse(await ask(sock, 'STATUS\n')).config, { level: 1 });
    fs.writeFileSync(config, JSON.stringify({ level: 2 }));
    const good = await runCli(['reload', ...at], env);
    assert.deepEqual([good.code, good.stdout], [0, 'reloaded\n']);
    assert.deepEqual(JSON.parse(await ask(sock, 'STATUS\n')).config, { level: 2 });
  });

  it('SIGHUP reloads the config (and a broken one is kept out)', async () => {
    fs.writeFileSync(config, JSON.stringify({ level: 3 }));
    server.kill('SIGHUP');
    await eventually(async () => JSON.parse(await ask(sock, 'STATUS\n')).config.level === 3, 10_000, 'config level 3');
    fs.writeFileSync(config, '{"endpoint": 7}');
    const stderr: string[] = [];
    server.stderr!.on('data', (d: Buffer) => stderr.push(String(d)));
    server.kill('SIGHUP');
    await eventually(() => stderr.join('').includes('SIGHUP: reload failed'), 10_000, 'the SIGHUP warning');
    assert.match(stderr.join(''), /endpoint: expected an endpoint string/);
    assert.equal(JSON.parse(await ask(sock, 'STATUS\n')).config.level, 3);
  });

  it('stop → 0 once the daemon is gone; serve exits 0 and leaves no socket, pid or discovery file', async () => {
    const done = collect(server);
    const r = await runCli(['stop', ...at], env);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'stopped\n', '']);
    const exit = await done;
    assert.equal(exit.code, 0);
    assert.match(exit.stdout, /daemon\.stop: stopped\n$/);
    assert.equal(fs.existsSync(sock), false);
    assert.equal(fs.existsSync(`${sock}.pid`), false);
    assert.equal(fs.existsSync(path.join(dir, 'sidewire', 'sidewire.json')), false);
  });

  it('a stopped daemon: exit 3 with how to start it', async () => {
    const r = await runCli(['status', ...at], env);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^sidewire: the daemon is not running: /);
    assert.match(r.stderr, new RegExp(`1\\. start it with: sidewire serve --endpoint ${endpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const json = await runCli(['stop', ...at, '--json'], env);
    assert.equal(json.code, 3);
    const out = JSON.parse(json.stdout);
    assert.equal(out.ok, false);
    assert.equal(out.error.code, 'ERR_NOT_RUNNING');
    assert.match(out.error.fixes[0], /^start it with: sidewire serve/);
  });
});

describe('sidewire serve with the daemon kit: SIGTERM', () => {
  it('SIGTERM → exit 0 and no socket, pid or discovery file left behind', async () => {
    const { dir, cleanup } = tempDir('swterm');
    const sock = path.join(dir, 't.sock');
    const child = spawnCli(['serve', '--endpoint', `unix://${sock}`, '--app', 'termapp'], { XDG_RUNTIME_DIR: dir });
    try {
      await waitForOutput(child, /pid file: .*\n/);
      const runtime = path.join(dir, 'termapp');
      assert.deepEqual(fs.readdirSync(runtime).sort(), ['termapp.json']);
      assert.equal(fs.readFileSync(`${sock}.pid`, 'utf8'), `${child.pid}\n`);
      const done = collect(child);
      child.kill('SIGTERM');
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /SIGTERM: stopped\n$/);
      assert.equal(fs.existsSync(sock), false);
      assert.equal(fs.existsSync(`${sock}.pid`), false);
      assert.deepEqual(fs.readdirSync(runtime), []);
    } finally {
      child.kill('SIGKILL');
      cleanup();
    }
  });
});

describe('control commands against a server without the daemon kit', () => {
  it('exit 1 and says the server has no daemon kit', async () => {
    const t = await startServer();
    try {
      const r = await runCli(['status', '--endpoint', t.endpoint], t.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /status failed: method not found: daemon\.status/);
      assert.match(r.stderr, /no daemon kit/);
    } finally {
      await t.cleanup();
    }
  });

  it('bad arguments exit 2', async () => {
    const r = await runCli(['pause', '--timeout', 'soon'], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout must be a positive integer/);
  });
});
