/**
 * Long-running commands across a daemon restart (issue 21): `listen` and `top` reconnect by
 * default with a status line on stderr; `--no-reconnect` / `--once` exit 1 instead.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { collect, spawnCli, waitForOutput } from '../helpers/cli.js';

/** Resolves once `child`'s stream has printed `marker` (counting from now); the bound covers a daemon restart on a loaded machine. */
function nextOutput(child: ChildProcess, stream: 'stdout' | 'stderr', marker: RegExp, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${String(marker)} on ${stream} within ${timeoutMs} ms: ${text}`)), timeoutMs);
    const on = (d: Buffer | string): void => {
      text += String(d);
      if (marker.test(text)) {
        clearTimeout(timer);
        child[stream]!.off('data', on);
        resolve(text);
      }
    };
    child[stream]!.on('data', on);
  });
}

async function stopServer(server: ChildProcess): Promise<void> {
  const done = collect(server, 60_000);
  server.kill('SIGTERM');
  assert.equal((await done).code, 0);
}

describe('listen and top across a daemon restart', () => {
  const { dir, cleanup } = tempDir('swre');
  const endpoint = `unix://${path.join(dir, 'r.sock')}`;
  const env = { XDG_RUNTIME_DIR: dir };
  const children: ChildProcess[] = [];
  const start = (args: string[]): ChildProcess => {
    const c = spawnCli(args, env);
    children.push(c);
    return c;
  };
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    cleanup();
  });

  it('regression: listen and top reconnect when the daemon restarts (status line on stderr)', async () => {
    let server = start(['serve', '--endpoint', endpoint, '--tick-ms', '50']);
    await waitForOutput(server, /pid file: .*\n/, 60_000);
    const listener = start(['listen', 'clock.*', '--endpoint', endpoint]);
    const top = start(['top', '--endpoint', endpoint, '--json', '--interval', '100']);
    await Promise.all([nextOutput(listener, 'stdout', /clock\.tick/), nextOutput(top, 'stdout', /"stats"/)]);

    const lost = Promise.all([nextOutput(listener, 'stderr', /connection lost/), nextOutput(top, 'stderr', /connection lost/)]);
    await stopServer(server);
    await lost;
    assert.equal(listener.exitCode, null, 'listen is still running');
    assert.equal(top.exitCode, null, 'top is still running');

    const back = Promise.all([
      nextOutput(listener, 'stderr', /sidewire listen: reconnected to unix:\/\//),
      nextOutput(top, 'stderr', /sidewire top: reconnected to unix:\/\//),
    ]);
    server = start(['serve', '--endpoint', endpoint, '--tick-ms', '50']);
    await waitForOutput(server, /pid file: .*\n/, 60_000);
    await back;
    await Promise.all([nextOutput(listener, 'stdout', /clock\.tick/), nextOutput(top, 'stdout', /"stats"/)]);

    for (const c of [listener, top]) {
      const done = collect(c, 60_000);
      c.kill('SIGINT');
      assert.equal((await done).code, 0);
    }
    await stopServer(server);
  });

  it('regression: listen --no-reconnect and top --once exit 1 when the daemon stops', async () => {
    const server = start(['serve', '--endpoint', endpoint, '--tick-ms', '50']);
    await waitForOutput(server, /pid file: .*\n/, 60_000);
    const listener = start(['listen', 'clock.*', '--endpoint', endpoint, '--no-reconnect']);
    const top = start(['top', '--endpoint', endpoint, '--json', '--interval', '100', '--once']);
    await Promise.all([nextOutput(listener, 'stdout', /clock\.tick/), nextOutput(top, 'stdout', /"stats"/)]);
    const ends = [collect(listener, 60_000), collect(top, 60_000)];
    await stopServer(server);
    const [l, t] = await Promise.all(ends);
    assert.equal(l!.code, 1, l!.stderr);
    assert.match(l!.stderr, /ERR_CONNECTION_LOST/);
    assert.equal(t!.code, 1, t!.stderr);
    assert.match(t!.stdout + t!.stderr, /ERR_CONNECTION_LOST/); // --json: the error is a JSON line on stdout
  });
});
