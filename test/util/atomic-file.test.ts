import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { writeFileAtomic, writeFileAtomicSync, type AtomicReplace, type AtomicStep, type AtomicWriteHooks } from '../../src/util/atomic-file.js';
import { isSidewireError } from '../../src/errors.js';
import { tempDir, uniqueName } from '../helpers/names.js';

const posix = process.platform !== 'win32';
const tmp = tempDir('swatomic');
after(() => tmp.cleanup());

/** A fresh target path in its own directory (so "no temp left" looks at this write only). */
function freshTarget(): { dir: string; target: string } {
  const dir = path.join(tmp.dir, uniqueName('d'));
  fs.mkdirSync(dir, { mode: 0o700 });
  return { dir, target: path.join(dir, 'file') };
}

function temps(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

/** A write that writes at most `max` bytes per call (a disk that keeps returning short writes). */
function shortWrites(max: number): NonNullable<AtomicWriteHooks['write']> {
  return (fd, data, offset, length) => fs.writeSync(fd, data, offset, Math.min(length, max));
}

type Writer = (target: string, data: string, replace: AtomicReplace, hooks: AtomicWriteHooks) => Promise<unknown>;
const writers: ReadonlyArray<readonly [string, Writer]> = [
  ['sync', (target, data, replace, hooks) => Promise.resolve().then(() => writeFileAtomicSync(target, data, { replace }, hooks))],
  ['async', (target, data, replace, hooks) => writeFileAtomic(target, data, { replace }, hooks)],
];

describe('writeFileAtomic', () => {
  for (const [name, write] of writers) {
    test(`${name}: writes, replaces (new inode), returns the identity of the file written, leaves no temp`, async () => {
      const { dir, target } = freshTarget();
      await write(target, 'one\n', 'rename', {});
      const first = fs.statSync(target).ino;
      const id = name === 'sync' ? writeFileAtomicSync(target, 'two\n') : await writeFileAtomic(target, 'two\n');
      const st = fs.lstatSync(target);
      assert.deepEqual(id, { dev: st.dev, ino: st.ino });
      assert.notEqual(st.ino, first);
      assert.equal(fs.readFileSync(target, 'utf8'), 'two\n');
      assert.deepEqual(temps(dir), []);
    });

    test(`${name}: short writes are continued until every byte is written`, async () => {
      const { target } = freshTarget();
      const data = 'x'.repeat(1000) + 'ü'.repeat(300) + '\n';
      let calls = 0;
      const short = shortWrites(7);
      const counted: AtomicWriteHooks['write'] = (...args) => {
        calls += 1;
        return short(...args);
      };
      await write(target, data, 'rename', { write: counted });
      assert.equal(fs.readFileSync(target, 'utf8'), data);
      assert.ok(calls >= Math.ceil(Buffer.byteLength(data) / 7), String(calls));
    });

    test(`${name}: a write that makes no progress fails (EIO), removes the temp, keeps the old file`, async () => {
      const { dir, target } = freshTarget();
      fs.writeFileSync(target, 'old\n', { mode: 0o600 });
      await assert.rejects(write(target, 'new\n', 'rename', { write: () => 0 }), (err: unknown) => (err as { code?: string }).code === 'EIO');
      assert.equal(fs.readFileSync(target, 'utf8'), 'old\n');
      assert.deepEqual(temps(dir), []);
    });

    test(`${name}: link-exclusive creates the file, and fails with EEXIST (nothing changed, no temp) when it exists`, async () => {
      const { dir, target } = freshTarget();
      await write(target, 'first\n', 'link-exclusive', {});
      assert.equal(fs.readFileSync(target, 'utf8'), 'first\n');
      assert.equal(fs.statSync(target).nlink, 1, 'the temp name is gone');
      await assert.rejects(write(target, 'second\n', 'link-exclusive', {}), { code: 'EEXIST' });
      assert.equal(fs.readFileSync(target, 'utf8'), 'first\n');
      assert.deepEqual(temps(dir), []);
    });

    test(`${name}: link-exclusive without hard links (link fails EPERM) creates the file exclusively in place`, async () => {
      const { dir, target } = freshTarget();
      const noLinks: AtomicWriteHooks = {
        step: (step) => {
          if (step === 'link') throw Object.assign(new Error('no hard links here'), { code: 'EPERM' });
        },
      };
      await write(target, 'made\n', 'link-exclusive', noLinks);
      assert.equal(fs.readFileSync(target, 'utf8'), 'made\n');
      await assert.rejects(write(target, 'again\n', 'link-exclusive', noLinks), { code: 'EEXIST' });
      assert.equal(fs.readFileSync(target, 'utf8'), 'made\n');
      assert.deepEqual(temps(dir), []);
    });

    test(`${name}: a symbolic link planted at the temp path is not followed (ERR_FILE_UNSAFE; its target, the link and the file untouched)`, { skip: !posix }, async () => {
      const { dir, target } = freshTarget();
      const victim = path.join(dir, 'victim');
      fs.writeFileSync(victim, 'victim\n', { mode: 0o600 });
      fs.writeFileSync(target, 'old\n', { mode: 0o600 });
      const planted = `${target}.deadbeef.tmp`;
      fs.symlinkSync(victim, planted);
      await assert.rejects(write(target, 'new\n', 'rename', { tempSuffix: () => 'deadbeef' }), (err: unknown) => {
        assert.ok(isSidewireError(err, 'ERR_FILE_UNSAFE'), String(err));
        assert.equal(err.details['reason'], 'symlink');
        return true;
      });
      assert.equal(fs.readFileSync(victim, 'utf8'), 'victim\n');
      assert.equal(fs.readFileSync(target, 'utf8'), 'old\n');
      assert.ok(fs.lstatSync(planted).isSymbolicLink(), 'not ours: left alone');
    });

    test(`${name}: a symbolic link at the target is replaced (rename) or refused (link-exclusive), never followed`, { skip: !posix }, async () => {
      const { dir, target } = freshTarget();
      const victim = path.join(dir, 'victim');
      fs.writeFileSync(victim, 'victim\n', { mode: 0o600 });
      fs.symlinkSync(victim, target);
      await assert.rejects(write(target, 'new\n', 'link-exclusive', {}), { code: 'EEXIST' });
      assert.ok(fs.lstatSync(target).isSymbolicLink());
      await write(target, 'new\n', 'rename', {});
      assert.ok(fs.lstatSync(target).isFile());
      assert.equal(fs.readFileSync(target, 'utf8'), 'new\n');
      assert.equal(fs.readFileSync(victim, 'utf8'), 'victim\n');
      assert.deepEqual(temps(dir), []);
    });

    for (const replace of ['rename', 'link-exclusive'] as const) {
      test(`${name}: a target swapped between the ${replace} and the check is reported (ERR_FILE_UNSAFE, details.replaced)`, { skip: !posix }, async () => {
        const { target } = freshTarget();
        const other = `${target}.other`;
        fs.writeFileSync(other, 'theirs\n', { mode: 0o600 });
        const swap: AtomicWriteHooks = {
          step: (step) => {
            if (step === 'lstat') fs.renameSync(other, target); // "another user" swaps names in the directory
          },
        };
        await assert.rejects(write(target, 'ours\n', replace, swap), (err: unknown) => {
          assert.ok(isSidewireError(err, 'ERR_FILE_UNSAFE'), String(err));
          assert.equal(err.details['replaced'], true);
          return true;
        });
      });
    }
  }

  test('the mode is exact whatever the umask (set on the descriptor)', { skip: !posix }, async () => {
    const { target } = freshTarget();
    const saved = process.umask(0o077);
    try {
      writeFileAtomicSync(target, 'a', { mode: 0o644 });
      assert.equal(fs.statSync(target).mode & 0o777, 0o644, 'umask 077 does not narrow 0644');
      await writeFileAtomic(target, 'b', { mode: 0o640 });
      assert.equal(fs.statSync(target).mode & 0o777, 0o640);
      process.umask(0);
      writeFileAtomicSync(target, 'c');
      assert.equal(fs.statSync(target).mode & 0o777, 0o600, 'umask 000 does not widen the default 0600');
      await writeFileAtomic(target, 'd', { mode: 0o400 });
      assert.equal(fs.statSync(target).mode & 0o777, 0o400);
    } finally {
      process.umask(saved);
    }
  });

  test('a mode with group/other write bits (or out of range) is refused with ERR_INVALID_ARGUMENT', () => {
    const { target } = freshTarget();
    for (const mode of [0o666, 0o620, 0o1600, -1, 1.5]) {
      assert.throws(() => writeFileAtomicSync(target, 'x', { mode }), (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT'), String(mode));
    }
    assert.equal(fs.existsSync(target), false);
  });

  test('property: a failure at any step leaves no temp, and the old file intact unless the new one was already in place', async () => {
    const placing = new Set<AtomicStep>(['rename', 'link']);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.constantFrom<AtomicReplace>('rename', 'link-exclusive'),
        fc.nat({ max: 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.string({ maxLength: 200 }),
        async (sync, replace, failAt, chunk, data) => {
          const { dir, target } = freshTarget();
          const old = replace === 'rename' ? 'old\n' : undefined;
          if (old !== undefined) fs.writeFileSync(target, old, { mode: 0o600 });
          const seen: AtomicStep[] = [];
          const hooks: AtomicWriteHooks = {
            write: shortWrites(chunk),
            step: (step) => {
              seen.push(step);
              if (seen.length === failAt + 1) throw Object.assign(new Error(`injected failure at ${step}`), { code: 'EIO' });
            },
          };
          let failed = false;
          try {
            if (sync) writeFileAtomicSync(target, data, { replace }, hooks);
            else await writeFileAtomic(target, data, { replace }, hooks);
          } catch (err) {
            assert.match(String(err), /injected failure/);
            failed = true;
          }
          assert.deepEqual(temps(dir), [], `steps: ${seen.join(',')}`);
          const placed = !failed || seen.slice(0, -1).some((s) => placing.has(s));
          const now = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
          assert.equal(now, placed ? data : old, `steps: ${seen.join(',')}`);
          fs.rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 150 },
    );
  });
});
