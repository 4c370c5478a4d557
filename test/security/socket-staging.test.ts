/**
 * Security finding 4: binding a socket in a directory other users can write. The server used to
 * bind a staging name in that directory and then chmod it by path, so another user who swapped
 * the staging socket for a symlink made the server chmod the link's target (a root file went
 * from 0644 to 0600) and report 'listening' on a symlink. Now the socket is bound inside a
 * private directory reached through its descriptor, born with its mode, and what is published is
 * checked to be the socket bound (docs/security.md "Files").
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { isSidewireError } from '../../src/errors.js';
import { startHealthServer } from '../../src/observability/health-server.js';
import { connectTransport } from '../../src/transport/connect.js';
import { listen } from '../../src/transport/listen.js';
import { bindSocketFile, removeIfSame, SOCKET_PATH_MAX, type BindSocketOptions, type FileIdentity } from '../../src/transport/socket-file.js';
import { SECOND_USER_SKIP, secondUser, sharedDir } from '../helpers/second-user.js';
import { tempDir } from '../helpers/names.js';

const uid = process.getuid?.() ?? -1;
const modeOf = (p: string): number => fs.lstatSync(p).mode & 0o777;

/** A file of ours, mode 0644, in a private dir: what an attacker wants the server to chmod. */
function victimFile(dir: string): string {
  const target = path.join(dir, 'victim');
  fs.writeFileSync(target, 'precious\n');
  fs.chmodSync(target, 0o644);
  return target;
}

/** Does what another user can do in a non-sticky shared dir: move each matching entry away and put a symlink to `target` in its place. */
function swapEntries(dir: string, re: RegExp, target: string): number {
  let swapped = 0;
  for (const entry of fs.readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (!re.test(entry) || fs.lstatSync(p).isSymbolicLink()) continue;
    fs.renameSync(p, path.join(dir, `moved-${entry}`));
    fs.symlinkSync(target, p);
    swapped += 1;
  }
  return swapped;
}

async function bindOrError(socketPath: string, options: BindSocketOptions): Promise<{ server: net.Server; id?: FileIdentity; err?: unknown }> {
  const server = net.createServer();
  try {
    const id = await bindSocketFile(server, socketPath, 0o600, options);
    return { server, id };
  } catch (err) {
    return { server, err };
  }
}

describe('socket staging in a shared directory (injected swap, deterministic)', () => {
  const priv = tempDir('swstg');
  after(() => priv.cleanup());

  test('regression: a staging entry swapped for a symlink right after the bind is never chmod\'ed; the server listens on its own 0600 socket', async () => {
    const shared = sharedDir('swstg-shared', false);
    try {
      const target = victimFile(priv.dir);
      const socketPath = path.join(shared.dir, 's.sock');
      let swapped = 0;
      const server = net.createServer((c) => c.end('ours'));
      const id = await bindSocketFile(server, socketPath, 0o600, {
        onStep: (step) => {
          if (step === 'bound') swapped += swapEntries(shared.dir, /^\.sw-/, target);
        },
      });
      try {
        assert.ok(swapped > 0, 'the staging entry was swapped');
        assert.equal(modeOf(target), 0o644, 'the symlink target was not chmod\'ed');
        const st = fs.lstatSync(socketPath);
        assert.ok(st.isSocket() && st.uid === uid && (st.mode & 0o777) === 0o600, 'listening on a real socket of ours, 0600');
        const client = await connectTransport({ kind: 'unix', path: socketPath }, { timeoutMs: 5000 });
        const reply = await new Promise<string>((resolve) => client.once('data', (d) => resolve(String(d))));
        client.destroy();
        assert.equal(reply, 'ours');
      } finally {
        removeIfSame(socketPath, id);
        await new Promise((resolve) => server.close(resolve));
      }
      assert.equal(modeOf(target), 0o644);
      assert.equal(fs.readFileSync(target, 'utf8'), 'precious\n');
    } finally {
      shared.remove();
    }
  });

  test('regression: the public path replaced right after the link is refused (ERR_FILE_UNSAFE), not reported as listening', async () => {
    const shared = sharedDir('swstg-pub', false);
    try {
      const target = victimFile(priv.dir);
      const socketPath = path.join(shared.dir, 'p.sock');
      const { server, err } = await bindOrError(socketPath, {
        onStep: (step) => {
          if (step === 'published') swapEntries(shared.dir, /^p\.sock$/, target);
        },
      });
      assert.ok(isSidewireError(err, 'ERR_FILE_UNSAFE'), String(err));
      assert.equal(err.details['path'], socketPath);
      assert.equal(server.listening, false, 'the server was closed');
      assert.equal(modeOf(target), 0o644);
      assert.deepEqual(fs.readdirSync(shared.dir).filter((e) => e.startsWith('.sw-')), [], 'no staging dir left');
    } finally {
      shared.remove();
    }
  });

  test('without /proc/self/fd: a non-sticky shared dir is refused up front, and a swapped staging socket is refused, never chmod\'ed', async () => {
    const shared = sharedDir('swstg-noproc', false);
    const target = victimFile(priv.dir);
    try {
      const refused = await bindOrError(path.join(shared.dir, 'n.sock'), { procFd: false });
      assert.ok(isSidewireError(refused.err, 'ERR_FILE_UNSAFE'), String(refused.err));
      assert.equal(refused.err.details['path'], shared.dir);
      assert.deepEqual(fs.readdirSync(shared.dir), []);
    } finally {
      shared.remove();
    }
    // A dir only we can write (0755): the staging socket is checked by lstat after the bind.
    const own = path.join(priv.dir, 'own');
    fs.mkdirSync(own, { mode: 0o755 });
    fs.chmodSync(own, 0o755);
    const swapped = await bindOrError(path.join(own, 'o.sock'), {
      procFd: false,
      onStep: (step) => {
        if (step === 'bound') swapEntries(own, /^\.sw-/, target);
      },
    });
    assert.ok(isSidewireError(swapped.err, 'ERR_FILE_UNSAFE'), String(swapped.err));
    assert.equal(swapped.err.details['reason'], 'symlink');
    assert.equal(modeOf(target), 0o644, 'never chmod\'ed through the link');
    assert.equal(fs.existsSync(path.join(own, 'o.sock')), false, 'nothing published');
    // And without interference it works there, born 0600.
    const ok = await bindOrError(path.join(own, 'k.sock'), { procFd: false });
    assert.equal(ok.err, undefined);
    assert.equal(modeOf(path.join(own, 'k.sock')), 0o600);
    await new Promise((resolve) => ok.server.close(resolve));
  });

  test('in a worker thread (which cannot narrow the umask) the socket is still published 0600: its mode is set inside the private dir', async () => {
    const shared = sharedDir('swstg-worker', false);
    try {
      const socketPath = path.join(shared.dir, 'w.sock');
      const moduleUrl = new URL('../../src/transport/socket-file.ts', import.meta.url).href;
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        (async () => {
          const { register } = await import('tsx/esm/api');
          register();
          const { bindSocketFile } = await import(workerData.moduleUrl);
          const server = require('node:net').createServer();
          await bindSocketFile(server, workerData.socketPath, 0o600);
          const st = require('node:fs').lstatSync(workerData.socketPath);
          server.close();
          parentPort.postMessage({ mode: st.mode & 0o777, socket: st.isSocket() });
        })().catch((err) => parentPort.postMessage({ error: String(err) }));`;
      const previous = process.umask(0o022);
      try {
        const worker = new Worker(code, { eval: true, workerData: { moduleUrl, socketPath } });
        const reply = await new Promise<unknown>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
        await worker.terminate();
        assert.deepEqual(reply, { mode: 0o600, socket: true });
      } finally {
        process.umask(previous);
      }
    } finally {
      shared.remove();
    }
  });

  test('a socket path longer than a socket address can hold is ENAMETOOLONG (not a socket nobody can connect to)', async () => {
    const long = path.join(priv.dir, `${'x'.repeat(SOCKET_PATH_MAX)}.sock`);
    const { err } = await bindOrError(long, {});
    assert.equal((err as NodeJS.ErrnoException).code, 'ENAMETOOLONG');
    assert.equal(fs.existsSync(long), false);
  });
});

/** The other user's racing loop: swaps every entry matching `pattern` for a symlink to `target` as fast as it can. */
const ATTACKER = `
const fs = require('fs'), path = require('path');
const [dir, target, pattern] = process.argv.slice(1);
const re = new RegExp(pattern), stop = path.join(dir, 'stop'), deadline = Date.now() + 120000;
let n = 0;
process.stdout.write('ready\\n');
while (!fs.existsSync(stop) && Date.now() < deadline) {
  let names;
  try { names = fs.readdirSync(dir); } catch { break; }
  for (const e of names) {
    if (!re.test(e)) continue;
    const p = path.join(dir, e);
    try {
      if (fs.lstatSync(p).isSymbolicLink()) continue;
      fs.renameSync(p, path.join(dir, 'x-' + process.pid + '-' + n++));
      process.stdout.write('swap\\n');
      fs.symlinkSync(target, p);
    } catch {}
  }
}
`;

interface Attacker {
  readonly proc: ChildProcess;
  swaps(): number;
  stop(): Promise<void>;
}

async function startAttacker(dir: string, target: string, pattern: string): Promise<Attacker> {
  const peer = secondUser();
  const proc = spawn(process.execPath, ['-e', ATTACKER, dir, target, pattern], { cwd: dir, uid: peer.uid, gid: peer.gid, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    proc.once('error', reject);
    void exited.then(() => reject(new Error(`attacker exited early: ${out}`)));
  });
  return {
    proc,
    swaps: () => out.split('\n').filter((l) => l === 'swap').length,
    async stop() {
      fs.writeFileSync(path.join(dir, 'stop'), '');
      await exited;
    },
  };
}

/** Start repeatedly (at least `min`, up to `max` times, until the attacker swapped `wanted` times). */
async function raceStarts(attacker: Attacker, min: number, max: number, wanted: number, start: (i: number) => Promise<void>): Promise<number> {
  let i = 0;
  for (; i < max && (i < min || attacker.swaps() < wanted); i++) await start(i);
  return i;
}

describe('socket staging against a racing second user (cross-user)', { skip: SECOND_USER_SKIP }, () => {
  const priv = tempDir('swrace2');
  after(() => priv.cleanup());

  test('regression: a racing user swapping .sw-* entries for symlinks never gets a root file chmod\'ed; every start listens on its own socket or fails coded', async (t) => {
    const shared = sharedDir('swrace2-shared', false);
    const target = victimFile(priv.dir);
    const attacker = await startAttacker(shared.dir, target, '^\\.sw-');
    const outcomes: string[] = [];
    try {
      const starts = await raceStarts(attacker, 8, 200, 8, async (i) => {
        const socketPath = path.join(shared.dir, 's.sock');
        try {
          const listener = await listen({ endpoint: { kind: 'unix', path: socketPath }, runtimeDir: priv.dir, name: `race${i}`, cleanupOnExit: false });
          try {
            const st = fs.lstatSync(socketPath);
            assert.ok(st.isSocket() && st.uid === uid && (st.mode & 0o777) === 0o600, `start ${i}: a socket of ours, 0600`);
            const client = await connectTransport({ kind: 'unix', path: socketPath }, { timeoutMs: 5000 });
            client.destroy();
            outcomes.push('listening');
          } finally {
            await listener.close();
          }
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assert.ok(isSidewireError(err) && /^ERR_[A-Z_]+$/.test(err.code), `start ${i}: not a coded error: ${String(err)}`);
          outcomes.push(err.code);
        }
        assert.equal(modeOf(target), 0o644, `start ${i}: the root file was chmod'ed`);
      });
      t.diagnostic(`${starts} starts, ${attacker.swaps()} swaps: ${outcomes.join(' ')}`);
    } finally {
      await attacker.stop();
      shared.remove();
    }
    assert.equal(modeOf(target), 0o644);
  });

  test('regression: the health server no longer chmods its socket path by name (a racing user swaps it for a symlink)', async (t) => {
    const shared = sharedDir('swrace2-health', false);
    const target = victimFile(priv.dir);
    const socketPath = path.join(shared.dir, 'h.sock');
    const attacker = await startAttacker(shared.dir, target, '^(\\.sw-|h\\.sock$)');
    const outcomes: string[] = [];
    try {
      const starts = await raceStarts(attacker, 8, 200, 8, async (i) => {
        try {
          const server = await startHealthServer({ path: socketPath, health: () => ({ state: 'running', uptimeSecs: 0, connections: 0, version: '0' }) });
          outcomes.push('listening');
          await server.close();
        } catch (err) {
          assert.ok(isSidewireError(err) && /^ERR_[A-Z_]+$/.test(err.code), `start ${i}: not a coded error: ${String(err)}`);
          outcomes.push(err.code);
        }
        assert.equal(modeOf(target), 0o644, `start ${i}: the root file was chmod'ed`);
        fs.rmSync(socketPath, { force: true }); // a planted link there would make every later start ERR_ENDPOINT_IN_USE
      });
      t.diagnostic(`${starts} starts, ${attacker.swaps()} swaps: ${outcomes.join(' ')}`);
    } finally {
      await attacker.stop();
      shared.remove();
    }
    assert.equal(modeOf(target), 0o644);
  });
});
