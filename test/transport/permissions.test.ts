import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listen } from '../../src/transport/listen.js';
import { tempDir } from '../helpers/names.js';

function mode(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

describe('socket file and runtime dir permissions', () => {
  const tmp = tempDir('swperm');
  const shared = path.join(tmp.dir, 'shared');
  fs.mkdirSync(shared);
  fs.chmodSync(shared, 0o755); // like /tmp: other users can look in
  after(() => tmp.cleanup());

  for (const [label, dir] of [
    ['private parent dir (chmod after bind)', tmp.dir],
    ['shared parent dir (umask around bind)', shared],
  ] as const) {
    it(`${label}: 0600 by default, 0660 with socketMode`, async () => {
      const umaskBefore = process.umask();
      const a = await listen({ endpoint: { kind: 'unix', path: path.join(dir, 'a.sock') }, runtimeDir: path.join(tmp.dir, 'rt'), name: 'a' });
      const b = await listen({
        endpoint: { kind: 'unix', path: path.join(dir, 'b.sock') },
        runtimeDir: path.join(tmp.dir, 'rt'),
        name: 'b',
        socketMode: 0o660,
      });
      try {
        assert.equal(mode(path.join(dir, 'a.sock')).toString(8), '600');
        assert.equal(mode(path.join(dir, 'b.sock')).toString(8), '660');
        assert.ok(fs.statSync(path.join(dir, 'a.sock')).isSocket());
        assert.equal(process.umask(), umaskBefore, 'umask restored');
        assert.deepEqual(
          fs.readdirSync(dir).filter((f) => f.startsWith('.sw-')),
          [],
          'no staging names left behind',
        );
      } finally {
        await a.close();
        await b.close();
      }
    });
  }

  it('creates the runtime dir with mode 0700 and the discovery file with 0600', async () => {
    const runtimeDir = path.join(tmp.dir, 'fresh-rt');
    const l = await listen({ endpoint: { kind: 'unix', path: path.join(runtimeDir, 'x.sock') }, runtimeDir, name: 'x' });
    try {
      assert.equal(mode(runtimeDir).toString(8), '700');
      assert.equal(mode(path.join(runtimeDir, 'x.json')).toString(8), '600');
    } finally {
      await l.close();
    }
  });

  it('refuses a runtime dir that other users can enter', async () => {
    const open = path.join(tmp.dir, 'open-rt');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o755);
    await assert.rejects(listen({ endpoint: { kind: 'abstract', name: 'unused' }, runtimeDir: open, name: 'x' }), { code: 'ERR_RUNTIME_DIR_UNSAFE' });
  });

  it('rejects a socketMode that locks the owner out, and a name with a slash', async () => {
    const runtimeDir = path.join(tmp.dir, 'rt');
    await assert.rejects(listen({ endpoint: { kind: 'unix', path: path.join(tmp.dir, 'm.sock') }, runtimeDir, name: 'm', socketMode: 0o066 }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    await assert.rejects(listen({ endpoint: { kind: 'unix', path: path.join(tmp.dir, 'n.sock') }, runtimeDir, name: '../evil' }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    assert.ok(!fs.existsSync(path.join(tmp.dir, 'm.sock')));
  });
});
