/**
 * Security finding 3 (pid, discovery, lock and config files): every file sidewire reads, writes or
 * deletes is checked like the runtime dir (docs/security.md "Files"). A planted symbolic link, a
 * file of another user or one others can write is refused with ERR_FILE_UNSAFE naming it (or, for
 * the discovery file the server owns, replaced by rename without following the link), and
 * whatever such a link points at is left untouched.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile } from '../../src/daemon/config-file.js';
import { acquirePidFile, readPidFile, removePidFileIfOurs } from '../../src/daemon/pid-file.js';
import { isSidewireError, type SidewireError } from '../../src/errors.js';
import { resolveClientTarget } from '../../src/transport/client-target.js';
import { connect } from '../../src/client/client.js';
import { discoveryPath, findOwnerPid, readDiscovery, readTrustedDiscovery } from '../../src/transport/discovery.js';
import { listen } from '../../src/transport/listen.js';
import { acquireLock } from '../../src/transport/lock-file.js';
import { ListenChild } from '../fixtures/child-process.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { SECOND_USER_SKIP, secondUser, sharedDir } from '../helpers/second-user.js';

const tmp = tempDir('swfiles');
after(() => tmp.cleanup());

/** A file of ours (mode 0644, known content) that a planted link points at. */
function victim(): { path: string; unchanged(): void } {
  const p = path.join(tmp.dir, uniqueName('victim'));
  const content = `{"pid": ${process.pid}, "startedAt": 0, "nonce": "x"}\n`;
  fs.writeFileSync(p, content);
  fs.chmodSync(p, 0o644);
  const before = fs.statSync(p);
  return {
    path: p,
    unchanged() {
      const now = fs.statSync(p);
      assert.equal(fs.readFileSync(p, 'utf8'), content, 'target content untouched');
      assert.equal(now.mode & 0o777, 0o644, 'target mode untouched');
      assert.equal(now.ino, before.ino, 'target not replaced');
    },
  };
}

function unsafeAt(p: string, reason?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isSidewireError(err, 'ERR_FILE_UNSAFE'), `expected ERR_FILE_UNSAFE, got ${String(err)}`);
    assert.equal(err.details['path'], p);
    assert.ok(err.message.includes(p), err.message);
    assert.ok(err.fixes.length > 0);
    if (reason !== undefined) assert.equal(err.details['reason'], reason);
    return true;
  };
}

function unsafeError(fn: () => unknown): SidewireError {
  try {
    fn();
  } catch (err) {
    if (isSidewireError(err, 'ERR_FILE_UNSAFE')) return err;
    throw err;
  }
  assert.fail('expected ERR_FILE_UNSAFE');
}

/** A file planted by the second user: chowned to it (we are root when this runs). */
function chownToPeer(p: string): void {
  const peer = secondUser();
  fs.chownSync(p, peer.uid, peer.gid);
}

describe('pid file', () => {
  test('regression: a pid file planted as a symlink is refused (ERR_FILE_UNSAFE), never followed or replaced', () => {
    const target = victim();
    const file = path.join(tmp.dir, `${uniqueName()}.pid`);
    fs.symlinkSync(target.path, file);
    assert.throws(() => acquirePidFile(file), unsafeAt(file, 'symlink'));
    assert.throws(() => readPidFile(file), unsafeAt(file, 'symlink'));
    assert.equal(removePidFileIfOurs(file), false);
    assert.ok(fs.lstatSync(file).isSymbolicLink(), 'the link is left for the operator');
    target.unchanged();
  });

  test('regression: a group/other-writable pid file is refused (ERR_FILE_UNSAFE)', () => {
    const file = path.join(tmp.dir, `${uniqueName()}.pid`);
    fs.writeFileSync(file, '1\n');
    fs.chmodSync(file, 0o666);
    assert.throws(() => acquirePidFile(file), unsafeAt(file, 'mode'));
    assert.equal(fs.readFileSync(file, 'utf8'), '1\n');
  });

  test('regression: a pid file owned by another user (naming a live pid) is refused, not trusted', { skip: SECOND_USER_SKIP }, () => {
    const shared = sharedDir('swfiles-pid');
    try {
      const file = path.join(shared.dir, 'd.pid');
      fs.writeFileSync(file, '1\n', { mode: 0o644 });
      chownToPeer(file);
      assert.throws(() => acquirePidFile(file), unsafeAt(file, 'foreign-owner'));
      assert.equal(fs.readFileSync(file, 'utf8'), '1\n');
    } finally {
      shared.remove();
    }
  });
});

describe('lock file', () => {
  test('regression: a lock file planted as a symlink to a file is refused (ERR_FILE_UNSAFE naming it), not read, broken or followed', async () => {
    const target = victim();
    fs.utimesSync(target.path, new Date(0), new Date(0)); // "old garbage" to the old code, which then broke it
    const before = fs.statSync(target.path).mtimeMs;
    const socketPath = path.join(tmp.dir, `${uniqueName()}.sock`);
    fs.symlinkSync(target.path, `${socketPath}.lock`);
    await assert.rejects(listen({ endpoint: { kind: 'unix', path: socketPath }, runtimeDir: tmp.dir, name: uniqueName() }), unsafeAt(`${socketPath}.lock`, 'symlink'));
    assert.ok(fs.lstatSync(`${socketPath}.lock`).isSymbolicLink());
    assert.equal(fs.existsSync(socketPath), false, 'nothing bound');
    target.unchanged();
    assert.equal(fs.statSync(target.path).mtimeMs, before);
  });

  test('regression: a dangling symlink at the lock path no longer spins acquireLock forever', async () => {
    const socketPath = path.join(tmp.dir, `${uniqueName()}.sock`);
    fs.symlinkSync(path.join(tmp.dir, 'nowhere'), `${socketPath}.lock`);
    // In a child: the old code spun synchronously (O_EXCL saw EEXIST, reading saw ENOENT, forever).
    const child = new ListenChild({ endpoint: `unix://${socketPath}`, runtimeDir: tmp.dir, name: uniqueName() });
    try {
      assert.equal(await child.waitFor(/^(LISTENING|ERROR)/, 0, 30_000), 'ERROR ERR_FILE_UNSAFE -');
    } finally {
      await child.kill();
    }
    assert.equal(fs.existsSync(path.join(tmp.dir, 'nowhere')), false, 'nothing created through the link');
  });

  test('regression: a lock file of another user (naming a live pid) is refused, not waited for', { skip: SECOND_USER_SKIP }, async () => {
    const shared = sharedDir('swfiles-lock');
    try {
      const lockPath = path.join(shared.dir, 'x.sock.lock');
      const planted = JSON.stringify({ pid: 1, startedAt: 0, nonce: 'theirs' });
      fs.writeFileSync(lockPath, planted, { mode: 0o644 });
      chownToPeer(lockPath);
      await assert.rejects(acquireLock(lockPath, { timeoutMs: 10_000 }), unsafeAt(lockPath, 'foreign-owner'));
      assert.equal(fs.readFileSync(lockPath, 'utf8'), planted, 'left alone');
    } finally {
      shared.remove();
    }
  });

  test('a stale socket of another user at the path is refused, not removed', { skip: SECOND_USER_SKIP }, async () => {
    const { makeStaleSocket } = await import('../fixtures/stale-socket.js');
    const shared = sharedDir('swfiles-stale');
    try {
      const socketPath = path.join(shared.dir, 'st.sock');
      await makeStaleSocket(socketPath);
      chownToPeer(socketPath);
      await assert.rejects(listen({ endpoint: { kind: 'unix', path: socketPath }, runtimeDir: tmp.dir, name: uniqueName() }), unsafeAt(socketPath, 'foreign-owner'));
      assert.ok(fs.lstatSync(socketPath).isSocket(), 'still there');
      assert.equal(fs.existsSync(`${socketPath}.lock`), false, 'lock released');
    } finally {
      shared.remove();
    }
  });
});

/** A runtime dir `<xdg>/<app>` for a client resolving with XDG_RUNTIME_DIR=<xdg>. */
function clientRuntime(): { env: Record<string, string>; app: string; name: string; file: string } {
  const xdg = fs.mkdtempSync(path.join(tmp.dir, 'xdg-'));
  const app = 'swapp';
  fs.mkdirSync(path.join(xdg, app), { mode: 0o700 });
  const name = uniqueName('svc');
  return { env: { XDG_RUNTIME_DIR: xdg }, app, name, file: discoveryPath(path.join(xdg, app), name) };
}

/** A valid record with a live pid: a planted server at a port and a token of the planter's choosing. */
function plantedRecord(): string {
  return `${JSON.stringify({ endpoint: 'tcp://127.0.0.1:9', pid: process.pid, protocol: 1, startedAt: new Date().toISOString(), token: 'planted' })}\n`;
}

describe('discovery file: clients do not trust what another user could have written', () => {
  test('regression: a discovery file owned by another user is refused by the client (ERR_FILE_UNSAFE), not used for the endpoint and token', { skip: SECOND_USER_SKIP }, async () => {
    const rt = clientRuntime();
    fs.writeFileSync(rt.file, plantedRecord(), { mode: 0o600 });
    chownToPeer(rt.file);
    assert.throws(() => resolveClientTarget({ app: rt.app, name: rt.name, env: rt.env }), unsafeAt(rt.file, 'foreign-owner'));
    assert.equal(readDiscovery(rt.file), undefined, 'readDiscovery ignores it');
    await assert.rejects(connect({ app: rt.app, name: rt.name, env: rt.env, reconnect: false, connectTimeoutMs: 5000 }), unsafeAt(rt.file, 'foreign-owner'));
  });

  test('regression: a group/other-writable discovery file, a symlinked one, and one in a directory others can enter are refused by the client', () => {
    const writable = clientRuntime();
    fs.writeFileSync(writable.file, plantedRecord());
    fs.chmodSync(writable.file, 0o622);
    assert.throws(() => resolveClientTarget({ app: writable.app, name: writable.name, env: writable.env }), unsafeAt(writable.file, 'mode'));

    const linked = clientRuntime();
    const elsewhere = path.join(tmp.dir, uniqueName('rec'));
    fs.writeFileSync(elsewhere, plantedRecord(), { mode: 0o600 });
    fs.symlinkSync(elsewhere, linked.file);
    assert.throws(() => resolveClientTarget({ app: linked.app, name: linked.name, env: linked.env }), unsafeAt(linked.file, 'symlink'));

    const openDir = clientRuntime();
    fs.writeFileSync(openDir.file, plantedRecord(), { mode: 0o600 });
    fs.chmodSync(path.dirname(openDir.file), 0o733);
    assert.throws(() => readTrustedDiscovery(openDir.file), unsafeAt(path.dirname(openDir.file), 'mode'));
    assert.throws(() => resolveClientTarget({ app: openDir.app, name: openDir.name, env: openDir.env }), unsafeAt(path.dirname(openDir.file), 'mode'));

    // A file of ours, 0600, in a private dir: trusted as before.
    const good = clientRuntime();
    fs.writeFileSync(good.file, plantedRecord(), { mode: 0o600 });
    const target = resolveClientTarget({ app: good.app, name: good.name, env: good.env });
    assert.equal(target.token, 'planted');
    assert.equal(target.source, 'discovery');
  });

  test('findOwnerPid ignores a discovery file it cannot trust', () => {
    const dir = fs.mkdtempSync(path.join(tmp.dir, 'own-'));
    const endpoint = { kind: 'unix', path: path.join(dir, 'o.sock') } as const;
    const record = JSON.stringify({ endpoint: `unix://${endpoint.path}`, pid: process.pid, protocol: 1, startedAt: new Date().toISOString() });
    fs.writeFileSync(path.join(dir, 'o.json'), record);
    fs.chmodSync(path.join(dir, 'o.json'), 0o666);
    assert.equal(findOwnerPid(dir, 'o', endpoint), undefined);
    fs.chmodSync(path.join(dir, 'o.json'), 0o600);
    assert.equal(findOwnerPid(dir, 'o', endpoint), process.pid);
  });
});

describe('discovery file: the server replaces a planted one without following it', () => {
  test('a symlink at the discovery path is replaced by rename (target untouched) and removed on close', async () => {
    const target = victim();
    const rt = fs.mkdtempSync(path.join(tmp.dir, 'rt-'));
    const name = uniqueName();
    const file = discoveryPath(rt, name);
    fs.symlinkSync(target.path, file);
    const listener = await listen({ endpoint: { kind: 'unix', path: path.join(rt, `${name}.sock`) }, runtimeDir: rt, name });
    try {
      const st = fs.lstatSync(file);
      assert.ok(st.isFile() && st.uid === process.getuid?.() && (st.mode & 0o777) === 0o600, 'a regular file of ours now');
      assert.equal(readTrustedDiscovery(file)?.pid, process.pid);
      target.unchanged();
    } finally {
      await listener.close();
    }
    assert.equal(fs.existsSync(file), false);
    target.unchanged();
  });
});

describe('config file', () => {
  test('a symlinked config is followed (deployments link configs), a FIFO is refused without blocking, a world-writable one is ERR_FILE_UNSAFE', () => {
    const real = path.join(tmp.dir, `${uniqueName()}.json`);
    fs.writeFileSync(real, '{"port": 1}');
    fs.chmodSync(real, 0o644);
    const link = path.join(tmp.dir, `${uniqueName()}.json`);
    fs.symlinkSync(real, link);
    assert.deepEqual(readConfigFile(link), { port: 1 });

    fs.chmodSync(real, 0o666);
    const err = unsafeError(() => readConfigFile(link));
    assert.equal(err.details['path'], link);
    assert.equal(err.details['reason'], 'mode');

    const fifo = path.join(tmp.dir, `${uniqueName()}.json`);
    const made = spawnMkfifo(fifo);
    if (made) assert.throws(() => readConfigFile(fifo), (e: unknown) => isSidewireError(e, 'ERR_CONFIG') && /not a regular file/.test(e.message));
  });

  test('a config file larger than MAX_CONFIG_BYTES is ERR_CONFIG, read no further', async () => {
    const { MAX_CONFIG_BYTES } = await import('../../src/daemon/config-file.js');
    const big = path.join(tmp.dir, `${uniqueName()}.json`);
    fs.writeFileSync(big, `{"pad": "${'x'.repeat(MAX_CONFIG_BYTES)}"}`);
    fs.chmodSync(big, 0o644);
    assert.throws(() => readConfigFile(big), (e: unknown) => isSidewireError(e, 'ERR_CONFIG') && /larger than/.test(e.message));
  });
});

function spawnMkfifo(p: string): boolean {
  try {
    execFileSync('mkfifo', [p]);
    return true;
  } catch {
    return false;
  }
}
