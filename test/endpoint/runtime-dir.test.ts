import { after, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkRuntimeDir, ensureRuntimeDir, runtimeDirFor, safeUserName, type RuntimeDirFs, type UserInputs } from '../../src/endpoint/runtime-dir.js';
import { isSidewireError, type SidewireError } from '../../src/errors.js';
import { tempDir } from '../helpers/names.js';

const MY_UID = process.getuid?.() ?? 0;
const OTHER_UID = MY_UID + 4242;

/** A minimal fs.Stats stand-in for injected lstat calls. */
function fakeStats(kind: 'dir' | 'file' | 'symlink', uid: number, perm = 0o700): fs.Stats {
  return {
    uid,
    mode: perm | (kind === 'dir' ? fs.constants.S_IFDIR : kind === 'file' ? fs.constants.S_IFREG : fs.constants.S_IFLNK),
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => kind === 'symlink',
  } as unknown as fs.Stats;
}

function sysError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

function unsafeError(status: ReturnType<typeof checkRuntimeDir>): SidewireError {
  assert.equal(status.state, 'unsafe');
  if (status.state !== 'unsafe') throw new Error('unreachable');
  assert.ok(isSidewireError(status.error, 'ERR_RUNTIME_DIR_UNSAFE'));
  assert.ok(status.error.fixes.length > 0);
  return status.error;
}

describe('checkRuntimeDir / ensureRuntimeDir (real directories)', () => {
  const tmp = tempDir('swrd');
  after(() => tmp.cleanup());

  it('rejects a symbolic link, even to a safe directory', () => {
    const target = path.join(tmp.dir, 'target');
    fs.mkdirSync(target, { mode: 0o700 });
    const link = path.join(tmp.dir, 'link');
    fs.symlinkSync(target, link);
    const err = unsafeError(checkRuntimeDir(link, MY_UID));
    assert.equal(err.details['reason'], 'symlink');
    assert.match(err.message, /symbolic link/);
    assert.ok(err.fixes[0]?.includes(`rm ${link}`));
    assert.throws(() => ensureRuntimeDir(link, MY_UID), (e: unknown) => isSidewireError(e, 'ERR_RUNTIME_DIR_UNSAFE'));
  });

  it('rejects mode 0755 with a chmod fix', () => {
    const dir = path.join(tmp.dir, 'open');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o755);
    const err = unsafeError(checkRuntimeDir(dir, MY_UID));
    assert.deepEqual([err.details['reason'], err.details['mode']], ['mode', '0755']);
    assert.equal(err.fixes[0], `run: chmod 700 ${dir}`);
  });

  it('rejects a plain file', () => {
    const file = path.join(tmp.dir, 'file');
    fs.writeFileSync(file, '');
    assert.equal(unsafeError(checkRuntimeDir(file, MY_UID)).details['reason'], 'not-directory');
  });

  it('creates a missing directory with mode 0700', () => {
    const dir = path.join(tmp.dir, 'fresh');
    assert.equal(checkRuntimeDir(dir, MY_UID).state, 'missing');
    assert.equal(ensureRuntimeDir(dir, MY_UID), dir);
    const st = fs.lstatSync(dir);
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(checkRuntimeDir(dir, MY_UID).state, 'safe');
  });

  it('accepts an existing safe directory as is', () => {
    const dir = path.join(tmp.dir, 'safe');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    assert.equal(ensureRuntimeDir(dir, MY_UID), dir);
  });

  it('fails with ERR_RUNTIME_DIR_CREATE when the parent is missing', () => {
    const dir = path.join(tmp.dir, 'no-parent', 'child');
    assert.throws(
      () => ensureRuntimeDir(dir, MY_UID),
      (e: unknown) => isSidewireError(e, 'ERR_RUNTIME_DIR_CREATE') && e.fixes[0] === `create the parent directory ${path.dirname(dir)} first`,
    );
  });
});

describe('checkRuntimeDir / ensureRuntimeDir (injected lstat)', () => {
  it('rejects a directory owned by someone else', () => {
    const err = unsafeError(checkRuntimeDir('/run/x', MY_UID, { lstat: () => fakeStats('dir', OTHER_UID) }));
    assert.deepEqual([err.details['reason'], err.details['owner']], ['foreign-owner', OTHER_UID]);
    assert.match(err.message, new RegExp(`owned by uid ${OTHER_UID}`));
  });

  it('reports an lstat failure other than ENOENT as unsafe', () => {
    const err = unsafeError(checkRuntimeDir('/run/x', MY_UID, { lstat: () => { throw sysError('EACCES'); } }));
    assert.match(err.message, /EACCES/);
  });

  it('skips owner and mode checks where there is no uid (Windows)', () => {
    assert.equal(checkRuntimeDir('C:\\x', null, { lstat: () => fakeStats('dir', 0, 0o777) }).state, 'safe');
  });

  it('tolerates losing a mkdir race (EEXIST) when the winner made a safe directory', () => {
    let created = false;
    const fsImpl: RuntimeDirFs = {
      lstat: () => {
        if (!created) throw sysError('ENOENT');
        return fakeStats('dir', MY_UID);
      },
      mkdir: () => {
        created = true;
        throw sysError('EEXIST');
      },
    };
    assert.equal(ensureRuntimeDir('/run/race', MY_UID, fsImpl), '/run/race');
  });
});

describe('runtimeDirFor', () => {
  const me: UserInputs = { uid: MY_UID, username: 'me', tmpdir: '/tmp' };
  const fallback = `/tmp/app-${MY_UID}`;
  const xdgEnv = { XDG_RUNTIME_DIR: '/run/user/1000' };

  it('uses $XDG_RUNTIME_DIR/<app> when we own it', () => {
    assert.equal(runtimeDirFor('app', xdgEnv, me, { lstat: () => fakeStats('dir', MY_UID) }), '/run/user/1000/app');
  });

  it('falls back to tmpdir when XDG_RUNTIME_DIR is unreadable', () => {
    assert.equal(runtimeDirFor('app', xdgEnv, me, { lstat: () => { throw sysError('EACCES'); } }), fallback);
  });

  it('falls back to tmpdir when XDG_RUNTIME_DIR is owned by someone else', () => {
    assert.equal(runtimeDirFor('app', xdgEnv, me, { lstat: () => fakeStats('dir', OTHER_UID) }), fallback);
  });

  it('falls back when XDG_RUNTIME_DIR is not a directory', () => {
    assert.equal(runtimeDirFor('app', xdgEnv, me, { lstat: () => fakeStats('file', MY_UID) }), fallback);
  });

  it('falls back, without looking, when XDG_RUNTIME_DIR is unset, empty or relative', () => {
    const lstat = (): fs.Stats => assert.fail('lstat must not be called');
    for (const env of [{}, { XDG_RUNTIME_DIR: '' }, { XDG_RUNTIME_DIR: 'run/user/1000' }]) {
      assert.equal(runtimeDirFor('app', env, me, { lstat }), fallback);
    }
  });

  it('falls back for a real XDG_RUNTIME_DIR that does not exist', () => {
    const parent = tempDir('swnx');
    try {
      assert.equal(runtimeDirFor('app', { XDG_RUNTIME_DIR: path.join(parent.dir, 'gone') }, me), fallback);
    } finally {
      parent.cleanup();
    }
  });

  it('uses the safe user name where there is no uid', () => {
    assert.equal(runtimeDirFor('app', xdgEnv, { uid: null, username: 'Jane Doe', tmpdir: '/tmp' }), '/tmp/app-jane_doe');
  });

  it('is %LOCALAPPDATA%\\<app> on Windows (no uid), ignoring XDG_RUNTIME_DIR', () => {
    const jane = { uid: null, username: 'Jane Doe', tmpdir: 'C:\\Users\\Jane\\AppData\\Local\\Temp' };
    const env = { ...xdgEnv, LOCALAPPDATA: 'C:\\Users\\Jane\\AppData\\Local' };
    assert.equal(runtimeDirFor('app', env, jane), 'C:\\Users\\Jane\\AppData\\Local\\app');
  });

  it('falls back to <tmpdir>/<app>-<user> on Windows when LOCALAPPDATA is unset, empty or relative', () => {
    for (const LOCALAPPDATA of [undefined, '', 'AppData\\Local', 'C:relative']) {
      assert.equal(runtimeDirFor('app', { LOCALAPPDATA }, { uid: null, username: 'Jane Doe', tmpdir: '/tmp' }), '/tmp/app-jane_doe', String(LOCALAPPDATA));
    }
  });
});

describe('safeUserName', () => {
  const rows: ReadonlyArray<[string, string]> = [
    ['bob', 'bob'],
    ['Bob', 'bob'],
    ['DOMAIN\\Jane Doe', 'domain_jane_doe'],
    ['..hidden', 'hidden'],
    ['', 'user'],
    ['☃', 'user'],
  ];
  for (const [input, expected] of rows) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(safeUserName(input), expected));
  }
});
