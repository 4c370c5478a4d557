/** The producer's spool file: where it lives, modes, ids, rewriting, torn lines, errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSpoolText } from '../../src/protocol/durable-message.js';
import { clientDurablePaths, durablePaths, parseProducerFileName } from '../../src/spool/paths.js';
import { SpoolWriter } from '../../src/client/durable/spool-writer.js';
import { tempDir } from '../helpers/names.js';

describe('spool paths', () => {
  it('beside an explicit socket; in the runtime dir for the default, abstract and TCP endpoints', () => {
    const rt = '/run/user/1000/app';
    assert.equal(durablePaths({ endpoint: { kind: 'unix', path: '/srv/x.sock' }, runtimeDir: rt, name: 'app' }).spoolDir, '/srv/x.sock.spool');
    assert.equal(durablePaths({ endpoint: { kind: 'unix', path: '/srv/x.sock' }, runtimeDir: rt, name: 'app' }).inboxFile, '/srv/x.sock.inbox.jsonl');
    for (const endpoint of [
      { kind: 'unix', path: `${rt}/app.sock` },
      { kind: 'abstract', name: 'app' },
      { kind: 'tcp', host: '127.0.0.1', port: 0 },
      { kind: 'pipe', name: 'app-me-app' },
    ] as const) {
      const p = durablePaths({ endpoint, runtimeDir: rt, name: 'app' });
      assert.equal(p.spoolDir, `${rt}/app.spool`, endpoint.kind);
      assert.equal(p.seenFile, `${rt}/app.spool/server.seen`);
      assert.equal(p.runtimeDir, rt);
    }
  });

  it('a client with the default endpoint uses the same spool dir as a TCP server found by discovery', () => {
    const env = { XDG_RUNTIME_DIR: '/nonexistent-for-test' };
    const viaDefault = clientDurablePaths({ app: 'a1', env });
    const viaTcp = clientDurablePaths({ app: 'a1', env, endpoint: 'tcp://127.0.0.1:0' });
    assert.equal(viaDefault.spoolDir, viaTcp.spoolDir);
  });
});

describe('SpoolWriter', () => {
  it('appends fsync\'d lines with unique ids to its own 0600 file in a 0700 dir', () => {
    const { dir, cleanup } = tempDir('sws');
    try {
      const paths = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 's.sock') }, runtimeDir: dir, name: 'n' });
      const w = new SpoolWriter(paths, { now: () => 42 });
      const a = w.append('hook.event', { n: 1 });
      const b = w.append('hook.event', undefined);
      assert.notEqual(a.id, b.id);
      assert.match(a.id, /^[0-9a-f]{12}\.1$/);
      const producer = parseProducerFileName(path.basename(w.file));
      assert.equal(producer?.pid, process.pid);
      assert.equal(producer?.token, w.token);
      if (process.platform !== 'win32') {
        assert.equal(fs.statSync(paths.spoolDir).mode & 0o777, 0o700);
        assert.equal(fs.statSync(w.file).mode & 0o777, 0o600);
      }
      const text = fs.readFileSync(w.file, 'utf8');
      assert.equal(text.split('\n').length, 3, 'one line each');
      assert.deepEqual(parseSpoolText(text), [
        { id: a.id, method: 'hook.event', params: { n: 1 }, at: 42 },
        { id: b.id, method: 'hook.event', at: 42 },
      ]);
      // A second writer (another producer) never shares the file.
      const other = new SpoolWriter(paths);
      assert.notEqual(other.file, w.file);
    } finally {
      cleanup();
    }
  });

  it('remove() keeps the rest in order and deletes the file once empty; torn lines are skipped', () => {
    const { dir, cleanup } = tempDir('sws');
    try {
      const paths = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 's.sock') }, runtimeDir: dir, name: 'n' });
      const w = new SpoolWriter(paths);
      const ids = [1, 2, 3, 4].map((n) => w.append('m', { n }).id);
      fs.appendFileSync(w.file, '{"id":"torn","meth');
      assert.deepEqual(w.read().map((m) => m.id), ids);
      w.remove(new Set([ids[0]!, ids[2]!]));
      assert.deepEqual(w.read().map((m) => (m.params as { n: number }).n), [2, 4]);
      assert.equal(fs.readdirSync(paths.spoolDir).length, 1, 'no temp file left');
      w.remove(new Set(ids));
      assert.equal(fs.existsSync(w.file), false);
      assert.equal(w.count(), 0);
      w.append('m', { n: 5 });
      assert.equal(w.count(), 1, 'recreated');
    } finally {
      cleanup();
    }
  });

  it('refuses a spool dir that is not a directory (ERR_FILE_UNSAFE); ERR_SPOOL when it cannot be made, or the file would grow past maxBytes', () => {
    const { dir, cleanup } = tempDir('sws');
    try {
      const sock = path.join(dir, 's.sock');
      fs.writeFileSync(`${sock}.spool`, 'not a directory');
      const paths = durablePaths({ endpoint: { kind: 'unix', path: sock }, runtimeDir: dir, name: 'n' });
      assert.throws(() => new SpoolWriter(paths).append('m', 1), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_FILE_UNSAFE');
        assert.match((e as Error).message, /s\.sock\.spool/);
        return true;
      });
      const orphan = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 'missing', 'u.sock') }, runtimeDir: dir, name: 'n' });
      assert.throws(() => new SpoolWriter(orphan).append('m', 1), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ERR_SPOOL');
        assert.match((e as Error).message, /cannot create the spool dir .*u\.sock\.spool/);
        return true;
      });
      const small = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 't.sock') }, runtimeDir: dir, name: 'n' });
      const w = new SpoolWriter(small, { maxBytes: 200 });
      w.append('m', 'x'.repeat(50));
      assert.throws(() => w.append('m', 'x'.repeat(150)), { code: 'ERR_SPOOL' });
      assert.equal(w.count(), 1);
    } finally {
      cleanup();
    }
  });
});
