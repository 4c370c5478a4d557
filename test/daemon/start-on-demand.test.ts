/**
 * Start on demand (docs/daemon.md "Start on demand"): clients with `spawn` / `--spawn` start the
 * daemon when nothing listens — exactly one for any number of clients at once, under the spawn
 * lock — wait until it answers `$/hello`, or fail with ERR_SPAWN and the daemon's stderr tail;
 * the daemon kit's `idleExitMs` stops it once no client is left.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, createDaemon, isSidewireError } from '../../src/index.js';
import { splitCommandLine } from '../../src/cli/spawn-flag.js';
import { CLI_ARGS, runCli } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';

/** A shell-quoted word. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('start on demand', () => {
  const tmp = tempDir('swspawn');
  after(() => tmp.cleanup());
  const env = { XDG_RUNTIME_DIR: tmp.dir, SIDEWIRE_TEST_CLI: process.env['SIDEWIRE_TEST_CLI'] };

  test('20 concurrent short-lived clients with no daemon running: exactly one daemon starts, every call succeeds, and it exits when idle', async () => {
    const app = uniqueName('od');
    const starts = path.join(tmp.dir, `${app}.starts`);
    // The daemon command records each start (its pid) before it becomes the CLI's `serve`.
    const serve = [process.execPath, ...CLI_ARGS, 'serve', '--app', app, '--idle-exit-ms', '1500'].map(q).join(' ');
    const spawnLine = `sh -c ${q(`echo $$ >> ${q(starts)}; exec ${serve}`)}`;
    const runs = Array.from({ length: 20 }, () =>
      runCli(['call', 'daemon.status', '--app', app, '--spawn', spawnLine, '--ready-timeout', '120000'], env, 240_000),
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, `a client failed: ${r.stderr}`);
    const pids = new Set(results.map((r) => (JSON.parse(r.stdout) as { pid: number }).pid));
    assert.equal(pids.size, 1, `the clients reached ${pids.size} daemons`);
    const started = fs.readFileSync(starts, 'utf8').trim().split('\n');
    assert.equal(started.length, 1, `${started.length} daemons were started: ${started.join(', ')}`);
    const [pid] = [...pids] as [number];
    assert.equal(pid, Number(started[0]), 'the daemon answering is the one started');
    // --idle-exit-ms: with every client gone it stops by itself, and a later client starts a new one.
    await waitFor('the idle daemon to exit', () => !alive(pid));
    const again = await runCli(['call', 'daemon.status', '--app', app, '--spawn', spawnLine, '--ready-timeout', '120000'], env, 240_000);
    assert.equal(again.code, 0, again.stderr);
    const second = (JSON.parse(again.stdout) as { pid: number }).pid;
    assert.notEqual(second, pid);
    assert.equal(fs.readFileSync(starts, 'utf8').trim().split('\n').length, 2);
    await waitFor('the second idle daemon to exit', () => !alive(second));
  });

  test('a daemon that exits before it is ready: ERR_SPAWN with its exit code and stderr tail (exit 1)', async () => {
    const app = uniqueName('od');
    const r = await runCli(['call', 'echo', '--app', app, '--spawn', `sh -c 'echo "config file /nope is missing" >&2; exit 7'`], env, 120_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ERR_SPAWN/);
    assert.match(r.stderr, /exited with code 7 before it was ready/);
    assert.match(r.stderr, /config file \/nope is missing/);
  });

  test('connect({ spawn }): a command that does not exist is ERR_SPAWN; one that never listens times out as ERR_SPAWN', async () => {
    const app = uniqueName('od');
    await assert.rejects(
      connect({ app, env: { XDG_RUNTIME_DIR: tmp.dir }, reconnect: false, spawn: { command: path.join(tmp.dir, 'no-such-daemon') } }),
      (err: unknown) => isSidewireError(err, 'ERR_SPAWN') && /could not be started/.test(err.message),
    );
    const started = Date.now();
    await assert.rejects(
      connect({ app, env: { XDG_RUNTIME_DIR: tmp.dir }, reconnect: false, spawn: { command: 'sh', args: ['-c', 'echo waiting >&2; sleep 30'], readyTimeoutMs: 1500 } }),
      (err: unknown) => isSidewireError(err, 'ERR_SPAWN') && /within 1500 ms/.test(err.message) && /waiting/.test(err.message),
    );
    assert.ok(Date.now() - started < 60_000);
  });

  test('idleExitMs: the daemon stays while a client is connected, and stops (reason idle) once the last one left', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const daemon = createDaemon({ app: uniqueName('app'), endpoint: `unix://${sock}`, pidFile: false, discovery: false, handleSignals: false, idleExitMs: 300 });
    await daemon.start();
    const client = await connect({ endpoint: `unix://${sock}`, reconnect: false });
    await sleep(1000); // over three idle periods with a client connected
    assert.equal(daemon.state, 'running');
    await client.close();
    const info = await Promise.race([daemon.stopped, sleep(60_000).then(() => ({ reason: 'still running after 60 s' }))]);
    assert.equal(info.reason, 'idle');
    assert.throws(() => createDaemon({ idleExitMs: -1 }), /idleExitMs/);
  });

  test('--spawn command lines split like shell words (quotes, escapes), nothing else of a shell', () => {
    assert.deepEqual(splitCommandLine(`node  "my daemon.js" --name 'a b' x\\ y "q\\"uote"`), ['node', 'my daemon.js', '--name', 'a b', 'x y', 'q"uote']);
    assert.deepEqual(splitCommandLine(`sh -c 'echo $HOME | cat'`), ['sh', '-c', 'echo $HOME | cat']);
    assert.throws(() => splitCommandLine(`node 'open`), /unterminated/);
    assert.throws(() => splitCommandLine('   '), /needs a command/);
  });
});
