import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { connectTransport } from '../../src/transport/connect.js';
import { pendingExitCleanups } from '../../src/transport/exit-cleanup.js';
import { listen } from '../../src/transport/listen.js';
import { ListenChild } from '../fixtures/child-process.js';
import { tempDir } from '../helpers/names.js';

describe('cleanup of socket, lock and discovery files', () => {
  const tmp = tempDir('swcl');
  const children: ListenChild[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    tmp.cleanup();
  });

  function unix(name: string): Endpoint & { kind: 'unix' } {
    return { kind: 'unix', path: path.join(tmp.dir, `${name}.sock`) };
  }

  it('close() removes the files, is idempotent and does not wait for open connections', async () => {
    const endpoint = unix('close');
    const before = pendingExitCleanups();
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'close' });
    assert.equal(pendingExitCleanups(), before + 1, 'registered for SIGINT/SIGTERM/exit');
    const accepted: import('node:net').Socket[] = [];
    listener.on('connection', (s) => accepted.push(s));
    const client = await connectTransport(endpoint, { timeoutMs: 2000 });
    assert.ok(fs.existsSync(endpoint.path) && fs.existsSync(path.join(tmp.dir, 'close.json')));
    const first = listener.close();
    assert.equal(listener.close(), first, 'same promise');
    await first; // resolves although the connection is still open
    assert.ok(!fs.existsSync(endpoint.path), 'socket removed');
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'close.json')), 'discovery removed');
    assert.ok(!fs.existsSync(`${endpoint.path}.lock`), 'no lock');
    assert.equal(pendingExitCleanups(), before, 'unregistered');
    assert.equal(client.destroyed, false, 'open connections are left to their owner');
    client.destroy();
    for (const s of accepted) s.destroy();
  });

  it('an old server does not remove the files of the newer server that replaced it', async () => {
    const endpoint = unix('replaced');
    const old = await listen({ endpoint, runtimeDir: tmp.dir, name: 'replaced' });
    // Someone removes the old server's files and a newer server starts on the same path and name.
    fs.unlinkSync(endpoint.path);
    fs.unlinkSync(path.join(tmp.dir, 'replaced.json'));
    const newer = await listen({ endpoint, runtimeDir: tmp.dir, name: 'replaced' });
    try {
      const newerIno = fs.lstatSync(endpoint.path).ino;
      const newerDiscovery = fs.readFileSync(path.join(tmp.dir, 'replaced.json'), 'utf8');
      await old.close();
      assert.ok(fs.existsSync(endpoint.path), 'newer socket still there');
      assert.equal(fs.lstatSync(endpoint.path).ino, newerIno);
      assert.equal(fs.readFileSync(path.join(tmp.dir, 'replaced.json'), 'utf8'), newerDiscovery, 'newer discovery untouched');
      newer.on('connection', (s) => s.end('newer'));
      const client = await connectTransport(endpoint, { timeoutMs: 2000 });
      const reply = await new Promise<string>((resolve) => client.once('data', (d) => resolve(String(d))));
      assert.equal(reply, 'newer', 'newer server still reachable');
      client.destroy();
    } finally {
      await newer.close();
    }
    assert.ok(!fs.existsSync(endpoint.path), 'newer removes its own socket');
  });

  it('SIGTERM of a server process removes its files and the process still dies by SIGTERM', async () => {
    const endpoint = unix('sigterm');
    const child = new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'sigterm' });
    children.push(child);
    await child.waitFor(/^LISTENING/);
    assert.ok(fs.existsSync(endpoint.path) && fs.existsSync(path.join(tmp.dir, 'sigterm.json')));
    const exit = await child.kill('SIGTERM');
    assert.equal(exit.signal, 'SIGTERM', `exit: ${JSON.stringify(exit)}`);
    assert.ok(!fs.existsSync(endpoint.path), 'socket removed');
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'sigterm.json')), 'discovery removed');
  });

  it('with an application SIGTERM handler: files removed, the application decides', async () => {
    const endpoint = unix('apphandler');
    const child = new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'apphandler', appSigterm: true });
    children.push(child);
    await child.waitFor(/^LISTENING/);
    child.proc.kill('SIGTERM');
    await child.waitFor(/^APP-SIGTERM$/);
    const exit = await child.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, 'the app handler chose exit(0)');
    assert.ok(!fs.existsSync(endpoint.path), 'socket removed');
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'apphandler.json')), 'discovery removed');
  });

  it('SIGKILL leaves the files (nothing can run) — the next start reclaims them', async () => {
    const endpoint = unix('sigkill');
    const child = new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'sigkill' });
    children.push(child);
    await child.waitFor(/^LISTENING/);
    await child.kill('SIGKILL');
    assert.ok(fs.existsSync(endpoint.path));
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'sigkill' });
    const record = JSON.parse(fs.readFileSync(path.join(tmp.dir, 'sigkill.json'), 'utf8')) as { pid: number };
    assert.equal(record.pid, process.pid, 'discovery file rewritten by the new server');
    await listener.close();
  });
});
