/**
 * ZeroMQ endpoints through sidewire's endpoint layer (docs/zeromq.md "A live server is never
 * displaced"): zeromq.js alone deletes a live server's ipc file when a second process binds; a
 * sidewire-zeromq server probes under the lock first, so the second one fails with
 * ERR_ENDPOINT_IN_USE and the first keeps serving; a stale ipc file left by a process killed -9
 * is reclaimed. Real processes (`sidewire serve --zeromq`) and a real Python REQ peer.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';
import { pythonWithZmq, requestThrough } from '../helpers/zeromq-peers.js';
import { createServer, type SidewireError } from '../../src/index.js';
import { attachZeroMQ } from '../../src/zeromq/index.js';

const STATUS = { jsonrpc: '2.0', id: 1, method: 'daemon.status' };

/** The pid of the daemon answering on ZeroMQ endpoint `rep` (through a Python REQ peer). */
async function pidBehind(rep: string): Promise<number> {
  const [reply] = (await requestThrough('python', rep, [STATUS])) as Array<{ result: { pid: number } }>;
  return reply?.result.pid ?? -1;
}

describe('sidewire-zeromq servers on one ipc endpoint (real processes)', () => {
  const { dir, cleanup } = tempDir('swze');
  const zsock = path.join(dir, 'z.sock');
  const rep = `ipc://${zsock}`;
  const children: ChildProcess[] = [];
  const start = async (name: string): Promise<ChildProcess> => {
    const child = spawnCli(['serve', '--endpoint', `unix://${path.join(dir, `${name}.sock`)}`, '--zeromq', rep], { XDG_RUNTIME_DIR: dir });
    children.push(child);
    await waitForOutput(child, 'zeromq:', 60_000);
    return child;
  };
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    cleanup();
  });

  it('regression: a second server on a live ipc endpoint fails with ERR_ENDPOINT_IN_USE and the first keeps serving', async () => {
    const first = await start('a');
    assert.equal((fs.lstatSync(zsock).mode & 0o777).toString(8), '600', 'the ipc socket file is 0600');
    const second = await runCli(['serve', '--endpoint', `unix://${path.join(dir, 'b.sock')}`, '--zeromq', rep], { XDG_RUNTIME_DIR: dir }, 60_000);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /ERR_ENDPOINT_IN_USE/);
    assert.match(second.stderr, /another server is alive there/);
    assert.ok(fs.lstatSync(zsock).isSocket(), 'the live socket file is still there');
    assert.equal(await pidBehind(rep), first.pid, 'the first server still answers');
  });

  it('a stale ipc file left by a server killed with SIGKILL is reclaimed by the next one', async () => {
    const first = children[0] ?? (await start('a'));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    assert.ok(fs.lstatSync(zsock).isSocket(), 'kill -9 left the ipc file behind');
    const next = await start('c');
    assert.equal(await pidBehind(rep), next.pid);
  });
});

describe('sidewire-zeromq endpoints in one process', () => {
  const { dir, cleanup } = tempDir('swzi');
  after(cleanup);

  it('regression: attaching a second time to a live ipc endpoint is refused; the first keeps serving', async () => {
    const rep = `ipc://${path.join(dir, 'one.sock')}`;
    const a = createServer({ endpoint: `unix://${path.join(dir, 'a.sock')}` }).method('who', () => 'a');
    const b = createServer({ endpoint: `unix://${path.join(dir, 'b.sock')}` }).method('who', () => 'b');
    const za = await attachZeroMQ(a, { endpoint: rep });
    try {
      await assert.rejects(attachZeroMQ(b, { endpoint: rep }), (err: SidewireError) => err.code === 'ERR_ENDPOINT_IN_USE' && err.name === 'EndpointError');
      assert.deepEqual(await requestThrough('python', rep, [{ jsonrpc: '2.0', id: 1, method: 'who' }]), [{ jsonrpc: '2.0', id: 1, result: 'a' }]);
    } finally {
      await za.close();
    }
    assert.equal(fs.existsSync(path.join(dir, 'one.sock')), false, 'close removes the ipc file');
  });

  it('a foreign (pyzmq) REP server on the ipc path is not displaced either: ERR_ENDPOINT_IN_USE, and it keeps answering', async () => {
    const file = path.join(dir, 'foreign.sock');
    const foreign = spawn(pythonWithZmq(), ['-c', [
      'import sys, zmq',
      's = zmq.Context().socket(zmq.REP); s.bind(sys.argv[1]); print("bound", flush=True)',
      's.recv(); s.send(b\'{"jsonrpc":"2.0","id":1,"result":"foreign"}\')',
    ].join('\n'), `ipc://${file}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitForOutput(foreign, 'bound', 60_000);
      const s = createServer({ endpoint: `unix://${path.join(dir, 'f.sock')}` });
      await assert.rejects(attachZeroMQ(s, { endpoint: `ipc://${file}` }), (err: SidewireError) => err.code === 'ERR_ENDPOINT_IN_USE');
      assert.deepEqual(await requestThrough('python', `ipc://${file}`, [{ jsonrpc: '2.0', id: 1, method: 'x' }]), [{ jsonrpc: '2.0', id: 1, result: 'foreign' }]);
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  it('a tcp port in use is ERR_ENDPOINT_IN_USE; port 0 reports the real port', async () => {
    const s = createServer({ endpoint: `unix://${path.join(dir, 't.sock')}` }).method('echo', (p) => p);
    const first = await attachZeroMQ(s, { endpoint: 'tcp://127.0.0.1:0' });
    try {
      assert.match(first.endpoint ?? '', /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.doesNotMatch(first.endpoint ?? '', /:0$/);
      await assert.rejects(attachZeroMQ(s, { endpoint: first.endpoint ?? '' }), (err: SidewireError) => err.code === 'ERR_ENDPOINT_IN_USE');
      assert.deepEqual(await requestThrough('python', first.endpoint ?? '', [{ jsonrpc: '2.0', id: 9, method: 'echo', params: ['tcp'] }]), [{ jsonrpc: '2.0', id: 9, result: ['tcp'] }]);
    } finally {
      await first.close();
    }
  });

  it('something that is not a socket at the ipc path is left alone: ERR_ENDPOINT_NOT_SOCKET', async () => {
    const file = path.join(dir, 'file.sock');
    fs.writeFileSync(file, 'mine');
    const s = createServer({ endpoint: `unix://${path.join(dir, 'n.sock')}` });
    await assert.rejects(attachZeroMQ(s, { endpoint: `ipc://${file}` }), (err: SidewireError) => err.code === 'ERR_ENDPOINT_NOT_SOCKET');
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
  });
});
