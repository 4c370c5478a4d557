import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { isSidewireError } from '../../src/errors.js';
import { connectTransport } from '../../src/transport/connect.js';
import { listen } from '../../src/transport/listen.js';
import { ListenChild } from '../fixtures/child-process.js';
import { makeStaleSocket } from '../fixtures/stale-socket.js';
import { tempDir } from '../helpers/names.js';

function echo(socket: import('node:net').Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no echo within 5 s')), 5000);
    let got = '';
    socket.on('data', (d) => {
      got += String(d);
      if (got.length >= text.length) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    socket.write(text);
  });
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function isCode(code: string) {
  return (err: unknown): boolean => {
    assert.ok(isSidewireError(err), String(err));
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe('unix socket files: stale reclaim, never displacing a live server', () => {
  const tmp = tempDir('swur');
  const children: ListenChild[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    tmp.cleanup();
  });

  function sock(name: string): Endpoint & { kind: 'unix' } {
    return { kind: 'unix', path: path.join(tmp.dir, `${name}.sock`) };
  }

  it('reclaims the socket file of a SIGKILLed server', async () => {
    const endpoint = sock('killed');
    const child = new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'killed' });
    children.push(child);
    await child.waitFor(/^LISTENING/);
    await child.kill('SIGKILL');
    assert.ok(fs.lstatSync(endpoint.path).isSocket(), 'SIGKILL leaves the socket file behind');
    await assert.rejects(connectTransport(endpoint, { timeoutMs: 2000 }), isCode('ERR_NOT_RUNNING'));
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'killed' });
    try {
      listener.on('connection', (s) => s.pipe(s));
      const client = await connectTransport(endpoint, { timeoutMs: 2000 });
      assert.equal(await echo(client, 'hello'), 'hello');
      client.destroy();
      assert.ok(!fs.existsSync(`${endpoint.path}.lock`), 'lock released after bind');
    } finally {
      await listener.close();
    }
  });

  it('never displaces a live server; its clients keep working', async () => {
    const endpoint = sock('live');
    const child = new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'live' });
    children.push(child);
    await child.waitFor(/^LISTENING/);
    const client = await connectTransport(endpoint, { timeoutMs: 2000 });
    try {
      assert.equal(await echo(client, 'before'), 'before');
      const ino = fs.lstatSync(endpoint.path).ino;
      await assert.rejects(listen({ endpoint, runtimeDir: tmp.dir, name: 'live' }), (err: unknown) => {
        isCode('ERR_ENDPOINT_IN_USE')(err);
        assert.ok(isSidewireError(err));
        assert.equal(err.details['pid'], child.pid);
        assert.match(err.message, new RegExp(`pid ${child.pid}`));
        return true;
      });
      assert.equal(fs.lstatSync(endpoint.path).ino, ino, 'socket file untouched');
      assert.equal(await echo(client, 'after'), 'after');
    } finally {
      client.destroy();
      await child.kill();
    }
  });

  it('leaves a regular file or a directory alone (ERR_ENDPOINT_NOT_SOCKET)', async () => {
    const file = sock('file');
    fs.writeFileSync(file.path, 'precious data');
    await assert.rejects(listen({ endpoint: file, runtimeDir: tmp.dir, name: 'file' }), isCode('ERR_ENDPOINT_NOT_SOCKET'));
    assert.equal(fs.readFileSync(file.path, 'utf8'), 'precious data');
    const dir = sock('dir');
    fs.mkdirSync(dir.path);
    fs.writeFileSync(path.join(dir.path, 'inner'), 'x');
    await assert.rejects(listen({ endpoint: dir, runtimeDir: tmp.dir, name: 'dir' }), (err: unknown) => {
      isCode('ERR_ENDPOINT_NOT_SOCKET')(err);
      assert.ok(isSidewireError(err));
      assert.match(err.message, /directory/);
      assert.ok(err.fixes.some((f) => f.includes('mv ')));
      return true;
    });
    assert.equal(fs.readFileSync(path.join(dir.path, 'inner'), 'utf8'), 'x');
    assert.ok(!fs.existsSync(`${file.path}.lock`) && !fs.existsSync(`${dir.path}.lock`), 'locks released on failure');
  });

  it('breaks a lock left by a dead process', async () => {
    const endpoint = sock('deadlock');
    await makeStaleSocket(endpoint.path);
    fs.writeFileSync(`${endpoint.path}.lock`, JSON.stringify({ pid: deadPid(), startedAt: Date.now() - 10_000, nonce: 'x' }));
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'deadlock', lockTimeoutMs: 200 });
    await listener.close();
    assert.ok(!fs.existsSync(`${endpoint.path}.lock`));
  });

  it('breaks an unparsable lock once it is old, waits for a young one', async () => {
    const endpoint = sock('garbage');
    const lock = `${endpoint.path}.lock`;
    fs.writeFileSync(lock, '');
    await assert.rejects(listen({ endpoint, runtimeDir: tmp.dir, name: 'garbage', lockTimeoutMs: 100 }), isCode('ERR_ENDPOINT_IN_USE'));
    assert.ok(fs.existsSync(lock), 'a young half-written lock is respected');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'garbage', lockTimeoutMs: 100 });
    await listener.close();
    assert.ok(!fs.existsSync(lock));
  });

  it('waits for a lock held by a live process, then fails with its pid', async () => {
    const endpoint = sock('held');
    const lock = `${endpoint.path}.lock`;
    const holder = new ListenChild({ endpoint: `unix://${path.join(tmp.dir, 'other.sock')}`, runtimeDir: tmp.dir, name: 'other' });
    children.push(holder);
    await holder.waitFor(/^LISTENING/);
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, startedAt: 0, nonce: 'held' }));
    // startedAt 0 does not match the holder's real start time: a reused pid, so the lock is stale.
    const reclaimed = await listen({ endpoint, runtimeDir: tmp.dir, name: 'held', lockTimeoutMs: 100 });
    await reclaimed.close();
    const stat = fs.readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
    assert.ok(stat.length > 0);
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, nonce: 'held', startedAt: startTimeOf(holder.pid) }));
    const started = Date.now();
    await assert.rejects(listen({ endpoint, runtimeDir: tmp.dir, name: 'held', lockTimeoutMs: 150 }), (err: unknown) => {
      isCode('ERR_ENDPOINT_IN_USE')(err);
      assert.ok(isSidewireError(err));
      assert.equal(err.details['pid'], holder.pid);
      return true;
    });
    assert.ok(Date.now() - started >= 140, 'it waited for the holder');
    assert.ok(fs.existsSync(lock), 'a live holder keeps its lock');
    fs.rmSync(lock);
  });
});

/** Start time (epoch ms) of a pid the way lock files record it (Linux /proc). */
function startTimeOf(pid: number): number {
  const btime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]) * 1000;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return btime + Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) * 10;
}
