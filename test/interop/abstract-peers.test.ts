/**
 * Interop: Linux abstract sockets with programs in other languages (docs/protocol.md,
 * "Endpoints"). sidewire binds and connects `unix:@name` with the exact name length, as Python
 * (`'\0name'`), socat (ABSTRACT-CONNECT) and C do, not padded to 108 bytes as Node.js does: a
 * Python stdlib client and socat reach `sidewire serve` on `unix:@name`, a sidewire client
 * reaches a Python server, and /proc/net/unix shows the name itself. python3 and socat are
 * installed by .ci/run: a missing one fails these tests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/client/client.js';
import { abstractNameStatus } from '../../src/transport/abstract-exact.js';
import { collect, serveDuringSuite, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { pipeThrough } from '../helpers/shell-tools.js';

const pythonServer = fileURLToPath(new URL('./abstract_server.py', import.meta.url));

/** The /proc/net/unix path column of every socket whose name starts with `@name` (`@` is the NUL). */
function procNetUnix(name: string): string[] {
  return fs
    .readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[7] ?? '')
    .filter((p) => p.startsWith(`@${name}`));
}

/** Runs a Python stdlib client: connect to '\0name', send one JSON-RPC request line, print the reply line. */
function pythonCall(name: string, request: object): Promise<string> {
  const code = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
    "s.connect('\\0' + sys.argv[1])",
    "s.sendall(sys.argv[2].encode() + b'\\n')",
    "sys.stdout.write(s.makefile('rb').readline().decode())",
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', code, name, JSON.stringify(request)], { timeout: 60_000 }, (err, out, errOut) => {
      if (err) reject(new Error(`python client failed: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
}

describe('interop: abstract sockets with exact names', () => {
  it('the native helper binds exact names here (else every test below would fail for that reason)', () => {
    assert.deepEqual(abstractNameStatus(), { names: 'exact', by: process.versions['bun'] === undefined ? 'native' : 'runtime', reason: null });
  });

  describe('peers in other languages reach sidewire serve on unix:@name', () => {
    const { dir, cleanup } = tempDir('swabs');
    const name = uniqueName('swabs');
    serveDuringSuite(['--endpoint', `unix:@${name}`, '--app', 'abs'], { XDG_RUNTIME_DIR: dir }, cleanup);

    it('regression: /proc/net/unix shows the exact name, not @name@@@… (Node padded it to 108 bytes)', () => {
      assert.deepEqual(procNetUnix(name).filter((p, i, all) => all.indexOf(p) === i), [`@${name}`]);
    });

    it('a Python stdlib client (socket.connect("\\0name")) calls echo', async () => {
      const reply = JSON.parse(await pythonCall(name, { jsonrpc: '2.0', id: 7, method: 'echo', params: { from: 'python' } }));
      assert.deepEqual(reply, { jsonrpc: '2.0', id: 7, result: { from: 'python' } });
    });

    it('socat ABSTRACT-CONNECT:name sends a text command (PING → PONG) and a JSON-RPC call', async () => {
      assert.equal(await pipeThrough('socat', ['-t', '30', '-', `ABSTRACT-CONNECT:${name}`], 'PING\n', 60_000), 'PONG\n');
      const line = await pipeThrough('socat', ['-t', '30', '-', `ABSTRACT-CONNECT:${name}`], '{"jsonrpc":"2.0","id":1,"method":"echo","params":[1,2]}\n', 60_000);
      assert.deepEqual(JSON.parse(line.split('\n')[0]!), { jsonrpc: '2.0', id: 1, result: [1, 2] });
    });
  });

  describe('a sidewire client reaches a Python server bound to "\\0name"', () => {
    const name = uniqueName('swpya');
    let python: ChildProcess;
    before(async () => {
      python = spawn('python3', [pythonServer, name], { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForOutput(python, 'ready', 60_000);
    });
    after(() => {
      python.kill('SIGKILL');
    });

    it('/proc/net/unix shows the exact name the Python server bound', () => {
      assert.deepEqual(procNetUnix(name).filter((p, i, all) => all.indexOf(p) === i), [`@${name}`]);
    });

    it('connect({ endpoint: "unix:@name" }) says hello (binary refused, then JSON) and calls echo', async () => {
      const client = await connect({ endpoint: `unix:@${name}`, connectTimeoutMs: 30_000 });
      try {
        assert.equal(client.serverInfo?.server.name, 'python-abstract');
        assert.deepEqual(await client.call('echo', { n: 1 }), { echo: { n: 1 }, server: 'python' });
      } finally {
        await client.close();
      }
    });

    it('sidewire call --endpoint unix:@name (the CLI) calls it too', async () => {
      const r = await collect(spawnCli(['call', 'echo', '{"via":"cli"}', '--endpoint', `unix:@${name}`]), 60_000);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { echo: { via: 'cli' }, server: 'python' });
    });
  });

  // Under Node, the fallback is Node's padded name; Bun's own sockets are exact with or without the helper.
  const bun = process.versions['bun'] !== undefined;
  describe(`without the native helper (SIDEWIRE_NATIVE=0): ${bun ? 'still exact under Bun' : "Node's padded names, said by doctor"}`, () => {
    const { dir, cleanup } = tempDir('swpad');
    const name = uniqueName('swpad');
    const env = { XDG_RUNTIME_DIR: dir, SIDEWIRE_NATIVE: '0' };
    serveDuringSuite(['--endpoint', `unix:@${name}`, '--app', 'pad'], env, cleanup);

    it(bun ? 'sidewire processes reach each other, and Python does too' : 'sidewire processes still reach each other; the name is padded, so Python does not', async () => {
      const r = await collect(spawnCli(['call', 'echo', '[3]', '--endpoint', `unix:@${name}`], env), 60_000);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [3]);
      const padding = bun ? '' : '@'.repeat(107 - Buffer.byteLength(name));
      assert.deepEqual(procNetUnix(name).filter((p, i, all) => all.indexOf(p) === i), [`@${name}${padding}`]);
      const python = pythonCall(name, { jsonrpc: '2.0', id: 1, method: 'echo', params: [4] });
      if (bun) assert.deepEqual(JSON.parse(await python), { jsonrpc: '2.0', id: 1, result: [4] });
      else await assert.rejects(python, /ConnectionRefusedError/);
    });

    it(bun ? 'doctor says the names are exact (the runtime\'s own sockets)' : 'doctor says the names are padded and why, and warns for an abstract endpoint', async () => {
      const r = await collect(spawnCli(['doctor', '--json', '--endpoint', `unix:@${name}`], env), 60_000);
      const report = JSON.parse(r.stdout) as { abstractNames: unknown; warnings: string[] };
      if (bun) {
        assert.deepEqual(report.abstractNames, { names: 'exact', by: 'runtime', reason: null });
        assert.ok(!report.warnings.some((w) => /padded/.test(w)), report.warnings.join('\n'));
        return;
      }
      assert.deepEqual(report.abstractNames, { names: 'padded', by: null, reason: 'the native helper is disabled by SIDEWIRE_NATIVE=0' });
      assert.ok(report.warnings.some((w) => /padded to 108 bytes/.test(w) && /Python/.test(w)), report.warnings.join('\n'));
      const text = await collect(spawnCli(['doctor', '--endpoint', `unix:@${name}`], env), 60_000);
      assert.match(text.stdout, /abstract names: padded to 108 bytes, only Node\.js processes reach them: the native helper is disabled by SIDEWIRE_NATIVE=0/);
      const exact = await collect(spawnCli(['doctor', '--endpoint', `unix:@${name}`], { XDG_RUNTIME_DIR: dir }), 60_000);
      assert.match(exact.stdout, /abstract names: exact length/);
    });
  });
});
