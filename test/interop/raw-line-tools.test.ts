/**
 * Interop: one raw JSON-RPC line from shell tools (`socat`, `nc -U`), as in DESIGN.md §3. The
 * tools send the line, shut down their side (EOF), and must still get the reply.
 * Skipped (with a message) where a tool is missing; CI installs socat and netcat-openbsd.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `cmd args` with `input` on stdin; resolves with stdout (killed after 10 s). */
function pipeThrough(cmd: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish within 10 s; stdout=${out} stderr=${err}`));
    }, 10_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}

const socat = has('socat');
const nc = has('nc');

describe('interop: raw lines from shell tools', () => {
  const { dir, cleanup } = tempDir('swnc');
  const sock = path.join(dir, 's.sock');
  let server: ChildProcess | undefined;
  before(async () => {
    if (!socat && !nc) return;
    server = spawnCli(['serve', '--endpoint', `unix://${sock}`], { XDG_RUNTIME_DIR: dir });
    await waitForOutput(server, 'listening on');
  });
  after(() => {
    server?.kill('SIGKILL');
    cleanup();
  });

  const line = '{"jsonrpc":"2.0","id":7,"method":"echo","params":{"via":"shell"}}\n';
  const expected = { jsonrpc: '2.0', id: 7, result: { via: 'shell' } };

  it('socat: a JSON-RPC line in, the reply out', { skip: socat ? false : 'socat is not installed (apt-get install socat)' }, async () => {
    const out = await pipeThrough('socat', ['-t', '5', '-', `UNIX-CONNECT:${sock}`], line);
    assert.deepEqual(JSON.parse(out), expected);
  });

  it('nc -U: a JSON-RPC line in, the reply out', { skip: nc ? false : 'nc is not installed (apt-get install netcat-openbsd)' }, async () => {
    // -N: shut down the socket after stdin's EOF (netcat-openbsd); the server replies, then closes.
    const out = await pipeThrough('nc', ['-N', '-U', sock], line);
    assert.deepEqual(JSON.parse(out), expected);
  });
});
