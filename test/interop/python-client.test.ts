/** Interop: a Python standard-library client against a spawned `sidewire serve`. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/names.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';

const script = fileURLToPath(new URL('./python_client.py', import.meta.url));

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const python = hasPython();

describe('interop: python client', { skip: python ? false : 'python3 is not installed' }, () => {
  const { dir, cleanup } = tempDir('swpy');
  const sock = path.join(dir, 's.sock');
  let server: ChildProcess | undefined;
  before(async () => {
    server = spawnCli(['serve', '--endpoint', `unix://${sock}`, '--tick-ms', '100'], { XDG_RUNTIME_DIR: dir });
    await waitForOutput(server, 'listening on');
  });
  after(() => {
    server?.kill('SIGKILL');
    cleanup();
  });

  it('says hello, calls echo, subscribes and receives clock.tick', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', [script, sock], { timeout: 20_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`python client failed: ${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    const r = JSON.parse(stdout);
    assert.equal(r.hello.protocol, 1);
    assert.match(r.hello.clientId, /^[0-9a-f]{12}$/);
    assert.equal(r.hello.pid, server?.pid);
    assert.deepEqual(r.echo, { from: 'python', n: [1, 2, 3], text: 'h\u00e9llo \u2028 \u{1f600}' });
    assert.deepEqual(r.topics, { topics: ['clock.tick'] });
    assert.equal(r.event.jsonrpc, '2.0');
    assert.equal(r.event.method, 'clock.tick');
    assert.equal(typeof r.event.params.n, 'number');
    assert.equal(typeof r.event.params.time, 'number');
  });
});
