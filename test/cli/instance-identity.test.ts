/**
 * Which daemon instance a `sidewire serve` is (issue 21): the pid file follows an explicit
 * endpoint (beside a unix socket), `--pid-file` overrides it, and a zombie holding the pid file
 * does not count as a live daemon.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { collect, runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { acquirePidFile, isPidAlive, writePidFile } from '../../src/daemon/pid-file.js';
import { isProcessAlive } from '../../src/util/process-identity.js';

async function stop(child: ChildProcess): Promise<number | null> {
  const done = collect(child, 60_000);
  child.kill('SIGTERM');
  return (await done).code;
}

/** A zombie: `sh` forks `sleep 0`, then execs a process that never reaps it. Resolves with its pid. */
async function makeZombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 120'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    parent.once('exit', () => reject(new Error('the zombie maker exited')));
  });
  const until = Date.now() + 30_000;
  for (;;) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') return { pid, parent };
    if (Date.now() > until) throw new Error(`pid ${pid} did not become a zombie`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('instance identity of sidewire serve', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  it('regression: two daemons with different explicit endpoints run at once (pid file beside each socket)', async () => {
    const { dir, cleanup } = tempDir('swid');
    const env = { XDG_RUNTIME_DIR: dir };
    const a = path.join(dir, 'a.sock');
    const b = path.join(dir, 'b.sock');
    const first = spawnCli(['serve', '--endpoint', `unix://${a}`], env);
    const second = spawnCli(['serve', '--endpoint', `unix://${b}`], env);
    try {
      const [bannerA, bannerB] = await Promise.all([waitForOutput(first, /pid file: .*\n/, 60_000), waitForOutput(second, /pid file: .*\n/, 60_000)]);
      assert.match(bannerA, new RegExp(`pid file: ${a}\\.pid\\n`));
      assert.match(bannerB, new RegExp(`pid file: ${b}\\.pid\\n`));
      assert.equal(fs.readFileSync(`${a}.pid`, 'utf8'), `${first.pid}\n`);
      assert.equal(fs.readFileSync(`${b}.pid`, 'utf8'), `${second.pid}\n`);
      const [sa, sb] = await Promise.all([runCli(['status', '--endpoint', `unix://${a}`, '--json'], env, 60_000), runCli(['status', '--endpoint', `unix://${b}`, '--json'], env, 60_000)]);
      assert.equal(JSON.parse(sa.stdout).pid, first.pid);
      assert.equal(JSON.parse(sb.stdout).pid, second.pid);
      assert.deepEqual(await Promise.all([stop(first), stop(second)]), [0, 0]);
      assert.equal(fs.existsSync(`${a}.pid`), false);
      assert.equal(fs.existsSync(`${b}.pid`), false);
    } finally {
      first.kill('SIGKILL');
      second.kill('SIGKILL');
      cleanup();
    }
  });

  it('regression: following the ERR_ENDPOINT_IN_USE hint (another endpoint via <APP>_ENDPOINT) starts a second daemon', async () => {
    const { dir, cleanup } = tempDir('swhint');
    const env = { XDG_RUNTIME_DIR: dir, HINTAPP_ENDPOINT: undefined };
    const first = spawnCli(['serve', '--app', 'hintapp'], env);
    let second: ChildProcess | undefined;
    try {
      await waitForOutput(first, /pid file: .*\n/, 60_000);
      const blocked = await runCli(['serve', '--app', 'hintapp'], env, 60_000);
      assert.equal(blocked.code, 1);
      const hint = /set (HINTAPP_ENDPOINT)=(\S+) \(or pass it with --endpoint\)/.exec(blocked.stderr);
      assert.ok(hint, blocked.stderr);
      second = spawnCli(['serve', '--app', 'hintapp'], { ...env, HINTAPP_ENDPOINT: hint[2]! });
      const banner = await waitForOutput(second, /pid file: .*\n/, 60_000);
      assert.match(banner, /pid file: .*\.sock\.pid\n/);
      assert.deepEqual(await Promise.all([stop(first), stop(second)]), [0, 0]);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGKILL');
      cleanup();
    }
  });

  it('regression: serve --pid-file PATH uses that pid file', async () => {
    const { dir, cleanup } = tempDir('swpf');
    const pidFile = path.join(dir, 'my.pid');
    const child = spawnCli(['serve', '--endpoint', `unix://${path.join(dir, 'p.sock')}`, '--pid-file', pidFile], { XDG_RUNTIME_DIR: dir });
    try {
      const banner = await waitForOutput(child, /pid file: .*\n/, 60_000);
      assert.match(banner, new RegExp(`pid file: ${pidFile}\\n`));
      assert.equal(fs.readFileSync(pidFile, 'utf8'), `${child.pid}\n`);
      const again = await runCli(['serve', '--endpoint', `unix://${path.join(dir, 'q.sock')}`, '--pid-file', pidFile], { XDG_RUNTIME_DIR: dir }, 60_000);
      assert.equal(again.code, 1, 'a live holder of the same --pid-file blocks a second daemon');
      assert.match(again.stderr, /ERR_ENDPOINT_IN_USE/);
      assert.equal(await stop(child), 0);
    } finally {
      child.kill('SIGKILL');
      cleanup();
    }
  });

  it('regression: a zombie holding the pid file is not a live daemon (serve starts; liveness agrees everywhere)', async () => {
    const { dir, cleanup } = tempDir('swz');
    const { pid, parent } = await makeZombie();
    try {
      assert.equal(isProcessAlive(pid), false, 'process-identity: a zombie is not alive');
      assert.equal(isPidAlive(pid), false, 'pid-file: a zombie is not alive');
      const pidFile = path.join(dir, 'z.pid');
      writePidFile(pidFile, pid);
      acquirePidFile(pidFile, process.pid); // replaces the zombie's file
      assert.equal(fs.readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
      writePidFile(pidFile, pid);
      const child = spawnCli(['serve', '--endpoint', `unix://${path.join(dir, 'z.sock')}`, '--pid-file', pidFile], { XDG_RUNTIME_DIR: dir });
      try {
        await waitForOutput(child, /pid file: .*\n/, 60_000);
        assert.equal(fs.readFileSync(pidFile, 'utf8'), `${child.pid}\n`);
        assert.equal(await stop(child), 0);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      parent.kill('SIGKILL');
      cleanup();
    }
  });

  it('a pid file written before its pid was given to a younger process is stale', () => {
    const { dir, cleanup } = tempDir('swold');
    try {
      const pidFile = path.join(dir, 'old.pid');
      writePidFile(pidFile, 1); // pid 1 started long before; pretend the file is from before that
      const old = new Date(Date.now() - 10 * 365 * 24 * 3600_000);
      fs.utimesSync(pidFile, old, old);
      acquirePidFile(pidFile, process.pid);
      assert.equal(fs.readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
    } finally {
      cleanup();
    }
  });
});
