/**
 * A real server (child process, token-protected loopback TCP, heap capped at 96 MiB) receives
 * binary frames whose MessagePack headers declare far more than they hold, before and after
 * `$/hello`: each gets -32700 (id null, docs/protocol.md "Errors, limits and closing"), the
 * connection and the other clients keep being served, and the server's memory stays bounded.
 * Before the fix the 200-byte frame of the report killed the server ("heap out of memory").
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '../../src/framing/length-prefix.js';
import { arrayHeaders40, nestedFittingContainers } from '../framing/hostile-frames.js';
import { BinaryRawClient } from './binary-raw-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const fixture = path.join(repoRoot, 'test', 'fixtures', 'binary-hostile-server.ts');
const MiB = 1024 * 1024;
/** Generous: a busy 2-core machine. */
const REPLY_MS = 20_000;

interface Server {
  readonly proc: ChildProcess;
  readonly port: number;
  readonly token: string;
  /** What the child wrote on stderr (its "heap out of memory" report, if it dies). */
  readonly stderr: () => string;
}

function startServer(): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=96', fixture], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server not ready within 30 s: ${out} ${err}`)), 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^ready tcp:\/\/127\.0\.0\.1:(\d+) ([0-9a-f]{64})$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ proc, port: Number(m[1]), token: m[2]!, stderr: () => err });
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${signal ?? code}) before ready: ${err}`));
    });
  });
}

/** Resolves when `proc` has exited, or after `ms`. */
function exited(proc: ChildProcess, ms: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('binary mode: frames with lying MessagePack length headers, on a real server', () => {
  let server: Server;
  const clients: BinaryRawClient[] = [];
  const connect = async (): Promise<BinaryRawClient> => {
    const c = await BinaryRawClient.connect({ host: '127.0.0.1', port: server.port });
    clients.push(c);
    return c;
  };
  /** The next message, or a failure that says whether the server died. */
  const next = async (c: BinaryRawClient): Promise<{ id: unknown; result?: unknown; error?: { code: number; message: string } }> => {
    const f = await c.nextFrame(REPLY_MS);
    if (f === undefined) await exited(server.proc, 5000); // closed: was it the server dying?
    const dead = server.proc.exitCode !== null || server.proc.signalCode !== null;
    assert.ok(f !== undefined, dead ? `the server died (${server.proc.signalCode ?? server.proc.exitCode}): ${server.stderr().split('\n').find((l) => /heap|FATAL/.test(l)) ?? ''}` : 'the server closed the connection');
    return f.value;
  };
  const call = async (c: BinaryRawClient, method: string, params: unknown, id: number | string): Promise<unknown> => {
    c.send({ jsonrpc: '2.0', id, method, params });
    const r = await next(c);
    assert.equal(r.id, id);
    assert.equal(r.error, undefined, r.error?.message);
    return r.result;
  };
  const hello = (c: BinaryRawClient): Promise<unknown> => call(c, '$/hello', { protocol: 1, token: server.token }, 'hello');

  before(async () => {
    server = await startServer();
  });
  after(() => {
    for (const c of clients) c.close();
    server?.proc.kill('SIGKILL');
  });

  it('regression: 200-byte frame of array headers before $/hello no longer kills the server (-32700, others still served)', async () => {
    const attacker = await connect();
    attacker.sendRaw(encodeFrame(arrayHeaders40()));
    const r = await next(attacker);
    assert.equal(r.id, null);
    assert.equal(r.error?.code, -32700);
    assert.match(r.error!.message, /array of 33554431 elements at byte 0 cannot fit in the 195 bytes left/);

    const other = await connect();
    await hello(other);
    assert.deepEqual(await call(other, 'echo', { still: 'served' }, 1), { still: 'served' });
    await hello(attacker); // the framing is intact: the attacker's connection goes on too
    assert.deepEqual(await call(attacker, 'echo', [1], 2), [1]);
  });

  it('after $/hello: 1 MiB of nested arrays each claiming the bytes left is -32700, and memory stays bounded', async () => {
    const c = await connect();
    await hello(c);
    for (const kind of ['array', 'map'] as const) {
      c.sendRaw(encodeFrame(nestedFittingContainers(MiB, 60, kind)));
      const r = await next(c);
      assert.equal(r.id, null);
      assert.equal(r.error?.code, -32700, kind);
      assert.match(r.error!.message, /cannot fit/, kind);
    }
    const other = await connect();
    await hello(other);
    assert.deepEqual(await call(other, 'echo', ['ok'], 3), ['ok']);
    const m = (await call(c, 'memory', {}, 4)) as { heapUsed: number; arrayBuffers: number };
    assert.ok(m.heapUsed + m.arrayBuffers < 64 * MiB, `server heap + ArrayBuffers after a GC: ${m.heapUsed + m.arrayBuffers} bytes`);
    assert.equal(server.proc.exitCode, null, 'the server is still running');
  });
});
