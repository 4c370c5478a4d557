/** `sidewire serve`, `call` and `listen` as real processes. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { collect, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';

describe('sidewire serve / call / listen', () => {
  const { dir, cleanup } = tempDir('swcli');
  const sock = path.join(dir, 's.sock');
  const endpoint = `unix://${sock}`;
  const env = { XDG_RUNTIME_DIR: dir };
  let server: ChildProcess;
  let banner = '';
  before(async () => {
    server = spawnCli(['serve', '--endpoint', endpoint, '--tick-ms', '100'], env);
    banner = await waitForOutput(server, /discovery file: .*\n/);
  });
  after(() => {
    server.kill('SIGKILL');
    cleanup();
  });

  it('serve prints where it listens and the discovery file', () => {
    assert.match(banner, new RegExp(`^listening on ${endpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    const discovery = /discovery file: (.*)\n/.exec(banner)?.[1];
    assert.ok(discovery && fs.existsSync(discovery), 'discovery file exists');
    assert.equal(JSON.parse(fs.readFileSync(discovery, 'utf8')).endpoint, endpoint);
  });

  it('call echo prints the result as JSON', async () => {
    const r = await runCli(['call', 'echo', '{"hello":[1,2]}', '--endpoint', endpoint], env);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { hello: [1, 2] });
  });

  it('call sum validates its params: ok → 0, wrong → exit 1 with the message on stderr', async () => {
    const ok = await runCli(['call', 'sum', '[1,2,3.5]', '--endpoint', endpoint], env);
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout.trim(), '6.5');
    const bad = await runCli(['call', 'sum', '[1,"x"]', '--endpoint', endpoint], env);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /sum failed: invalid params.*-32602/);
  });

  it('call with invalid JSON params exits 2', async () => {
    const r = await runCli(['call', 'echo', '{nope', '--endpoint', endpoint], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not valid JSON/);
  });

  it('call --json wraps the result', async () => {
    const r = await runCli(['call', '$/ping', '--endpoint', endpoint, '--json'], env);
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(typeof out.result.time, 'number');
  });

  it('call against nothing exits 3 with a fix', async () => {
    const r = await runCli(['call', 'echo', '--endpoint', `unix://${path.join(dir, 'nobody.sock')}`], env);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_NOT_RUNNING/);
    assert.match(r.stderr, /How to fix/);
  });

  it('listen prints clock.tick events as NDJSON and exits 0 on SIGINT', async () => {
    const listener = spawnCli(['listen', 'clock.*', '--endpoint', endpoint], env);
    const out = await waitForOutput(listener, /\n.*\n/); // two events
    const first = JSON.parse(out.split('\n')[0]!);
    assert.equal(first.topic, 'clock.tick');
    assert.equal(typeof first.data.time, 'number');
    assert.equal(typeof first.data.n, 'number');
    const done = collect(listener);
    listener.kill('SIGINT');
    assert.equal((await done).code, 0);
  });

  it('serve exits 0 on SIGTERM and removes its socket and discovery file', async () => {
    const discovery = /discovery file: (.*)\n/.exec(banner)?.[1];
    const done = collect(server);
    server.kill('SIGTERM');
    const r = await done;
    assert.equal(r.code, 0);
    assert.equal(fs.existsSync(sock), false);
    assert.equal(discovery !== undefined && fs.existsSync(discovery), false);
  });
});
