/** Interop: a Python standard-library binary-mode client (struct + a tiny MessagePack subset) against `sidewire serve`. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/names.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';

const script = fileURLToPath(new URL('./python-binary-client.py', import.meta.url));

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('interop: python binary-mode client', { skip: hasPython() ? false : 'python3 is not installed' }, () => {
  const { dir, cleanup } = tempDir('swpb');
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

  it('exchanges prefaces, says hello, echoes bytes as bin, and receives clock.tick', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', [script, sock], { timeout: 20_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`python binary client failed: ${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    const r = JSON.parse(stdout);
    assert.equal(r.serverPreface, '00535701');
    assert.equal(r.hello.protocol, 1);
    assert.match(r.hello.clientId, /^[0-9a-f]{12}$/);
    assert.equal(r.hello.pid, server?.pid);
    assert.ok(r.hello.capabilities.modes.includes('binary'));
    assert.equal(r.bytesType, 'bytes', 'bytes come back as MessagePack bin');
    assert.deepEqual(r.echo, {
      bytes: { hex: Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex') },
      text: 'h\u00e9llo \u{1f600}',
      ints: [0, 127, 128, 65535, 2 ** 40, -1, -33, -(2 ** 40)],
      float: 1.5,
      flags: [true, false, null],
    });
    assert.deepEqual(r.topics, { topics: ['clock.tick'] });
    assert.equal(r.event.jsonrpc, '2.0');
    assert.equal(r.event.method, 'clock.tick');
    assert.equal(typeof r.event.params.n, 'number');
    assert.equal(typeof r.event.params.time, 'number');
  });
});
