import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSidewireError } from '../../src/errors.js';
import { acquirePidFile, isPidAlive, readPidFile, removePidFileIfOurs, writePidFile } from '../../src/daemon/pid-file.js';
import { tempDir, uniqueName } from '../helpers/names.js';

const tmp = tempDir('swpid');
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp.cleanup();
});
const posix = process.platform !== 'win32';
const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function pidPath(): string {
  return path.join(tmp.dir, `${uniqueName()}.pid`);
}

/** A process that exited: its pid is (almost certainly) dead. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid as number;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

/** A live child that holds still until killed. */
function liveChild(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs a tsx child and resolves with its first stdout line. */
function spawnTsx(script: string, args: string[]): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('child gave no output within 20 s')), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.trim());
      }
    });
  });
  return { child, line };
}

describe('writePidFile / readPidFile', () => {
  test('round-trips the pid, file mode 0600', { skip: !posix }, () => {
    const p = pidPath();
    writePidFile(p);
    assert.deepEqual(readPidFile(p), { pid: process.pid });
    assert.equal(fs.readFileSync(p, 'utf8'), `${process.pid}\n`);
    assert.equal(fs.statSync(p).mode & 0o777, 0o600);
  });

  test('replaces by rename (new inode) and leaves no temp files', { skip: !posix }, () => {
    const p = pidPath();
    writePidFile(p, 111);
    const before = fs.statSync(p).ino;
    writePidFile(p, 222);
    assert.notEqual(fs.statSync(p).ino, before);
    assert.deepEqual(readPidFile(p), { pid: 222 });
    assert.deepEqual(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')), []);
  });

  test('0600 even when replacing a wider file', { skip: !posix }, () => {
    const p = pidPath();
    fs.writeFileSync(p, '1\n', { mode: 0o644 });
    fs.chmodSync(p, 0o644);
    writePidFile(p);
    assert.equal(fs.statSync(p).mode & 0o777, 0o600);
  });

  test('a concurrent reader never sees a partial file', async () => {
    const p = pidPath();
    writePidFile(p, 1);
    const { child, line } = spawnTsx(fixture('read-loop-child.ts'), [p, '20000']);
    let done = false;
    child.once('exit', () => {
      done = true;
    });
    let i = 0;
    while (!done) {
      writePidFile(p, 100000 + (i % 1000));
      i += 1;
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(await line, '0');
    assert.ok(i > 0);
  });

  test('missing or invalid content → undefined', () => {
    assert.equal(readPidFile(pidPath()), undefined);
    for (const text of ['', 'abc\n', '0\n', '-5\n', '12x\n', '99999999999\n']) {
      const p = pidPath();
      fs.writeFileSync(p, text);
      assert.equal(readPidFile(p), undefined, JSON.stringify(text));
    }
  });

  test('surrounding whitespace is fine', () => {
    const p = pidPath();
    fs.writeFileSync(p, '  4242 \r\n');
    assert.deepEqual(readPidFile(p), { pid: 4242 });
  });
});

describe('isPidAlive', () => {
  test('this process is alive', () => {
    assert.equal(isPidAlive(process.pid), true);
  });

  test('an exited process is dead', async () => {
    assert.equal(isPidAlive(await deadPid()), false);
  });

  test('a process of another user counts as alive (EPERM)', { skip: !posix || process.getuid?.() === 0 }, () => {
    assert.equal(isPidAlive(1), true); // pid 1 belongs to root: kill(1, 0) fails with EPERM
  });

  test('EPERM means alive, ESRCH means dead (simulated kill)', (t) => {
    const fail = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    const kill = t.mock.method(process, 'kill', fail('EPERM'));
    assert.equal(isPidAlive(4242), true);
    kill.mock.mockImplementation(fail('ESRCH'));
    assert.equal(isPidAlive(4242), false);
    assert.deepEqual(kill.mock.calls[0]?.arguments, [4242, 0]);
  });

  test('non-positive and non-integer pids are never alive', () => {
    for (const pid of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(isPidAlive(pid), false, String(pid));
  });
});

describe('removePidFileIfOurs', () => {
  test('removes our file', () => {
    const p = pidPath();
    writePidFile(p);
    assert.equal(removePidFileIfOurs(p), true);
    assert.equal(fs.existsSync(p), false);
  });

  test('keeps a file of another pid', () => {
    const p = pidPath();
    writePidFile(p, process.pid + 1);
    assert.equal(removePidFileIfOurs(p), false);
    assert.equal(fs.existsSync(p), true);
  });

  test('a missing file is not an error', () => {
    assert.equal(removePidFileIfOurs(pidPath()), false);
  });
});

describe('acquirePidFile', () => {
  test('creates the file when absent (0600)', { skip: !posix }, () => {
    const p = pidPath();
    acquirePidFile(p);
    assert.deepEqual(readPidFile(p), { pid: process.pid });
    assert.equal(fs.statSync(p).mode & 0o777, 0o600);
  });

  test('re-acquiring our own file is fine', () => {
    const p = pidPath();
    acquirePidFile(p);
    acquirePidFile(p);
    assert.deepEqual(readPidFile(p), { pid: process.pid });
  });

  test('replaces a stale file (dead pid)', async () => {
    const p = pidPath();
    writePidFile(p, await deadPid());
    acquirePidFile(p);
    assert.deepEqual(readPidFile(p), { pid: process.pid });
  });

  test('replaces a garbage file', () => {
    const p = pidPath();
    fs.writeFileSync(p, 'not a pid');
    acquirePidFile(p);
    assert.deepEqual(readPidFile(p), { pid: process.pid });
  });

  test('refuses a file held by a live process, naming it, and leaves it alone', async () => {
    const p = pidPath();
    const holder = liveChild();
    const pid = holder.pid as number;
    writePidFile(p, pid);
    assert.throws(
      () => acquirePidFile(p),
      (err: unknown) =>
        isSidewireError(err, 'ERR_ENDPOINT_IN_USE') && err.message.includes(`process ${pid}`) && err.message.includes(p) && err.fixes.some((f) => f.includes(`kill ${pid}`)),
    );
    assert.deepEqual(readPidFile(p), { pid });
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    acquirePidFile(p); // now stale
    assert.deepEqual(readPidFile(p), { pid: process.pid });
  });

  test('of several processes starting at once, exactly one acquires', async () => {
    const p = pidPath();
    const runs = Array.from({ length: 4 }, () => spawnTsx(fixture('acquire-child.ts'), [p]));
    const results = await Promise.all(runs.map((r) => r.line));
    assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(','));
    assert.equal(results.filter((r) => r === 'ERR_ENDPOINT_IN_USE').length, 3, results.join(','));
    const winner = runs[results.indexOf('ok')]?.child;
    assert.deepEqual(readPidFile(p), { pid: winner?.pid });
    for (const r of runs) r.child.stdin?.end();
    await Promise.all(runs.map((r) => (r.child.exitCode === null ? new Promise((res) => r.child.once('exit', res)) : undefined)));
  });
});
