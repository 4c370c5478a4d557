import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { discoveryPath, readDiscovery, removeDiscoveryIfOurs, writeDiscovery } from '../../src/transport/discovery.js';
import { listen } from '../../src/transport/listen.js';
import { tempDir } from '../helpers/names.js';
import { ListenChild } from '../fixtures/child-process.js';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim());
}

describe('discovery file', () => {
  const tmp = tempDir('swdisc');
  after(() => tmp.cleanup());

  it("regression: a server on another endpoint never replaces (or later deletes) a live server's discovery file", async () => {
    const child = new ListenChild({ endpoint: `unix://${path.join(tmp.dir, 'live.sock')}`, runtimeDir: tmp.dir, name: 'shared' });
    try {
      await child.waitFor(/^LISTENING/);
      const file = discoveryPath(tmp.dir, 'shared');
      const before = fs.readFileSync(file, 'utf8');
      const warnings: string[] = [];
      const listener = await listen({
        endpoint: { kind: 'unix', path: path.join(tmp.dir, 'other.sock') },
        runtimeDir: tmp.dir,
        name: 'shared',
        onWarning: (w) => warnings.push(w),
      });
      assert.equal(listener.discoveryPath, undefined, 'published nothing');
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'the live server\'s file is untouched');
      assert.match(warnings.join('\n'), new RegExp(`live server pid ${child.pid}`));
      await listener.close();
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'and still there after our close');
    } finally {
      await child.kill();
    }
  });

  it('unix listener: exact fields, no token, extra fields, mode 0600, no temp files left', async () => {
    const endpoint = { kind: 'unix', path: path.join(tmp.dir, 'd.sock') } as const;
    const before = Date.now();
    const listener = await listen({ endpoint, runtimeDir: tmp.dir, name: 'd', discoveryExtra: { server: { name: 'demo', version: '1.2.3' }, pid: 1 } });
    try {
      const file = path.join(tmp.dir, 'd.json');
      assert.equal(listener.discoveryPath, file);
      assert.equal(listener.token, undefined);
      const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(record), ['endpoint', 'pid', 'protocol', 'startedAt', 'server']);
      assert.equal(record['endpoint'], `unix://${endpoint.path}`);
      assert.equal(record['pid'], process.pid, 'extra fields cannot override core fields');
      assert.equal(record['protocol'], 1);
      const startedAt = Date.parse(String(record['startedAt']));
      assert.ok(startedAt >= before - 1000 && startedAt <= Date.now(), String(record['startedAt']));
      assert.equal(new Date(startedAt).toISOString(), record['startedAt'], 'ISO format');
      assert.deepEqual(record['server'], { name: 'demo', version: '1.2.3' });
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')), []);
      assert.deepEqual(readDiscovery(file), record);
    } finally {
      await listener.close();
    }
  });

  it('tcp listener: real port and the token, which only the discovery file holds', async () => {
    const listener = await listen({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0 }, runtimeDir: tmp.dir, name: 't' });
    try {
      assert.equal(listener.endpoint.kind, 'tcp');
      const port = listener.endpoint.kind === 'tcp' ? listener.endpoint.port : 0;
      assert.ok(port > 0);
      const record = readDiscovery(path.join(tmp.dir, 't.json'));
      assert.ok(record);
      assert.equal(record.endpoint, `tcp://127.0.0.1:${port}`);
      assert.match(String(record.token), /^[0-9a-f]{64}$/);
      assert.equal(record.token, listener.token);
    } finally {
      await listener.close();
    }
  });

  it('requireToken overrides the per-kind default', async () => {
    const a = await listen({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0 }, runtimeDir: tmp.dir, name: 'nt', requireToken: false });
    const b = await listen({ endpoint: { kind: 'abstract', name: `swdisc${process.pid}` }, runtimeDir: tmp.dir, name: 'yt', requireToken: true });
    try {
      assert.equal(a.token, undefined);
      assert.equal(readDiscovery(path.join(tmp.dir, 'nt.json'))?.token, undefined);
      assert.match(String(b.token), /^[0-9a-f]{64}$/);
      assert.equal(readDiscovery(path.join(tmp.dir, 'yt.json'))?.token, b.token);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('discovery: false writes nothing', async () => {
    const l = await listen({ endpoint: { kind: 'unix', path: path.join(tmp.dir, 'nd.sock') }, runtimeDir: tmp.dir, name: 'nd', discovery: false });
    try {
      assert.equal(l.discoveryPath, undefined);
      assert.ok(!fs.existsSync(path.join(tmp.dir, 'nd.json')));
    } finally {
      await l.close();
    }
  });

  it('readDiscovery ignores dead pids, garbage, wrong shapes and missing files', () => {
    const file = discoveryPath(tmp.dir, 'r');
    const base = { endpoint: 'unix:///x.sock', protocol: 1, startedAt: new Date().toISOString() };
    fs.writeFileSync(file, JSON.stringify({ ...base, pid: process.pid }));
    assert.equal(readDiscovery(file)?.pid, process.pid, 'control: a live pid is read');
    fs.writeFileSync(file, JSON.stringify({ ...base, pid: deadPid() }));
    assert.equal(readDiscovery(file), undefined, 'dead pid');
    for (const bad of ['{', 'null', '[]', JSON.stringify({ ...base, pid: process.pid, protocol: 2 }), JSON.stringify({ ...base, pid: 'x' })]) {
      fs.writeFileSync(file, bad);
      assert.equal(readDiscovery(file), undefined, bad);
    }
    assert.equal(readDiscovery(path.join(tmp.dir, 'missing.json')), undefined);
  });

  it('regression: a discovery record written before its pid was given to a younger process is stale (pid reuse)', () => {
    const file = discoveryPath(tmp.dir, 'reused');
    const record = (startedAt: string) => JSON.stringify({ endpoint: 'unix:///x.sock', pid: process.pid, protocol: 1, startedAt });
    fs.writeFileSync(file, record(new Date().toISOString()), { mode: 0o600 });
    assert.equal(readDiscovery(file)?.pid, process.pid, 'control: written by this process');
    // This process started after the record was written: an earlier process had our pid.
    fs.writeFileSync(file, record(new Date(Date.now() - 10 * 365 * 24 * 3600_000).toISOString()), { mode: 0o600 });
    assert.equal(readDiscovery(file), undefined);
  });

  it('removeDiscoveryIfOurs removes only the file it wrote', () => {
    const endpoint = { kind: 'abstract', name: 'x' } as const;
    const written = writeDiscovery({ runtimeDir: tmp.dir, name: 'own', endpoint });
    const replacement = writeDiscovery({ runtimeDir: tmp.dir, name: 'own', endpoint });
    assert.equal(removeDiscoveryIfOurs(written), false, 'replaced by another write');
    assert.ok(fs.existsSync(written.path));
    assert.equal(removeDiscoveryIfOurs(replacement), true);
    assert.ok(!fs.existsSync(written.path));
    assert.equal(removeDiscoveryIfOurs(replacement), false, 'already gone');
  });

  it('a discovery file that cannot be written stops the start (ERR_DISCOVERY_WRITE) and closes the listener', async () => {
    const sock = path.join(tmp.dir, 'blocked.sock');
    fs.mkdirSync(path.join(tmp.dir, 'blocked.json')); // rename onto a directory fails (EISDIR), even as root
    await assert.rejects(listen({ endpoint: { kind: 'unix', path: sock }, runtimeDir: tmp.dir, name: 'blocked' }), (err: unknown) => {
      assert.equal((err as { code?: string }).code, 'ERR_DISCOVERY_WRITE');
      assert.ok((err as Error).cause instanceof Error);
      assert.ok(((err as { fixes?: string[] }).fixes ?? []).length >= 2);
      return true;
    });
    assert.ok(!fs.existsSync(sock), 'socket file removed');
    assert.deepEqual(fs.readdirSync(tmp.dir).filter((f) => f.startsWith('blocked.json.')), [], 'temp file removed');
    fs.rmdirSync(path.join(tmp.dir, 'blocked.json'));
    const again = await listen({ endpoint: { kind: 'unix', path: sock }, runtimeDir: tmp.dir, name: 'blocked' });
    await again.close();
  });
});
