/**
 * Interop: one raw JSON-RPC line from shell tools (`socat`, `nc -U`), as in DESIGN.md §3. The
 * tools send the line, shut down their side (EOF), and must still get the reply.
 * Skipped (with a message) where a tool is missing; CI installs socat and netcat-openbsd.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { has, pipeThrough } from '../helpers/shell-tools.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';



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
