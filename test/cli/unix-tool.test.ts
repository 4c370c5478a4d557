/**
 * The CLI as a Unix tool (issue 21), run as a user runs it: the real `sidewire` process, in a
 * shell pipeline where it matters. Exit codes: 0 ok, 1 runtime failure, 2 bad arguments, 3 not
 * running (docs/daemon.md "Exit codes").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { CLI_ARGS, childEnv, collect, runCli, serveDuringSuite, spawnCli, waitForOutput } from '../helpers/cli.js';
import { startServer } from '../rpc/rpc-harness.js';

const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const SIDEWIRE = [process.execPath, ...CLI_ARGS].map(q).join(' ');

/**
 * Runs `sidewire ARGS | head -N` in bash (`reader` replaces `head -N`); resolves with sidewire's
 * exit status, the reader's output and sidewire's stderr.
 */
function pipeIntoHead(args: readonly string[], lines: number, env: Record<string, string>, reader = `head -${lines}`): Promise<{ status: number; out: string; err: string }> {
  const errFile = path.join(env['XDG_RUNTIME_DIR']!, `stderr-${Math.random().toString(36).slice(2)}`);
  const script = `${SIDEWIRE} ${args.map(q).join(' ')} 2>${q(errFile)} | ${reader}; echo "status=\${PIPESTATUS[0]}" >&2`;
  const child = spawn('bash', ['-c', script], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, 60_000).then((r) => {
    const status = /status=(\d+)/.exec(r.stderr)?.[1];
    const err = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8') : '';
    return { status: Number(status), out: r.stdout, err };
  });
}

describe('the CLI as a Unix tool', () => {
  const { dir, cleanup } = tempDir('swux');
  const sock = path.join(dir, 'u.sock');
  const endpoint = `unix://${sock}`;
  const env = { XDG_RUNTIME_DIR: dir };
  const at = ['--endpoint', endpoint];
  serveDuringSuite([...at, '--tick-ms', '20'], env, cleanup);

  it("regression: `listen 'clock.*' | head -2` ends quietly with status 0 (no EPIPE stack trace)", async () => {
    const r = await pipeIntoHead(['listen', 'clock.*', ...at], 2, env);
    assert.equal(r.out.trim().split('\n').length, 2);
    assert.equal(JSON.parse(r.out.split('\n')[0]!).topic, 'clock.tick');
    assert.equal(r.err, '');
    assert.equal(r.status, 0);
  });

  it('regression: `status | head -1` ends quietly with status 0', async () => {
    const r = await pipeIntoHead(['status', ...at], 1, env);
    assert.equal(r.out, 'state: running\n');
    assert.equal(r.err, '');
    assert.equal(r.status, 0);
    // A reader that closes before status writes at all (EPIPE on every run, not only on a race).
    const closed = await pipeIntoHead(['status', ...at], 0, env, 'true');
    assert.equal(closed.err, '');
    assert.equal(closed.status, 0);
  });

  it('regression: bad --app, bad --endpoint format and a refused remote endpoint exit 2 for every command', async () => {
    const bad = [['--app', 'my app'], ['--endpoint', 'foo://x'], ['--endpoint', 'tcp://0.0.0.0:0']];
    const commands = [['call', 'echo'], ['listen', 'x'], ['notify', 'x', '{}'], ['status'], ['top', '--count', '1'], ['serve'], ['doctor']];
    const runs = commands.flatMap((c) => bad.map((b) => [...c, ...b]));
    for (let i = 0; i < runs.length; i += 4) {
      const batch = runs.slice(i, i + 4);
      const results = await Promise.all(batch.map((args) => runCli(args, env, 60_000)));
      results.forEach((r, k) => {
        assert.equal(r.code, 2, `${batch[k]!.join(' ')} → ${r.code}: ${r.stderr}${r.stdout}`);
        assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/);
      });
    }
  });

  it('regression: a runtime failure exits 1 (server answered an error)', async () => {
    const r = await runCli(['call', 'sum', '[1,"x"]', ...at], env, 60_000);
    assert.equal(r.code, 1, r.stderr);
  });

  it('regression: `notify hook.event \'"x"\'` is refused before sending (exit 2) and nothing is stored, also with --durable', async () => {
    const before = await runCli(['call', 'inbox.count', ...at], env, 60_000);
    for (const extra of [[], ['--durable']]) {
      const r = await runCli(['notify', 'hook.event', '"x"', ...at, ...extra], env, 60_000);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /params must be a JSON object or array/);
    }
    const count = await runCli(['call', 'inbox.count', ...at], env, 60_000);
    assert.equal(count.stdout, before.stdout);
    assert.equal(fs.existsSync(`${sock}.spool`) ? fs.readdirSync(`${sock}.spool`).filter((n) => n.endsWith('.jsonl')).length : 0, 0);
  });

  it('regression: `call` takes params from stdin with - and from a file with @file', async () => {
    const stdin = await runCli(['call', 'echo', '-', ...at], env, 60_000, '{"from":"stdin"}\n');
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(JSON.parse(stdin.stdout), { from: 'stdin' });
    const file = path.join(dir, 'params.json');
    fs.writeFileSync(file, JSON.stringify([1, 2, 3.5]));
    const fromFile = await runCli(['call', 'sum', `@${file}`, ...at], env, 60_000);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout, '6.5\n');
    const missing = await runCli(['call', 'echo', `@${path.join(dir, 'nope.json')}`, ...at], env, 60_000);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read params file/);
    const notJson = await runCli(['call', 'echo', '-', ...at], env, 60_000, '{nope');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /the params in stdin is not valid JSON/);
  });

  it("regression: `top --count x` does not call the count milliseconds", async () => {
    const r = await runCli(['top', '--count', 'x', ...at], env, 60_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--count must be a positive integer, not 'x'/);
    assert.doesNotMatch(r.stderr, /milliseconds/);
  });

  it('regression: status for an unknown app gives one "start it" hint, naming that app', async () => {
    const r = await runCli(['status', '--app', 'nosuchapp'], env, 60_000);
    assert.equal(r.code, 3);
    const starts = r.stderr.split('\n').filter((l) => /start (it|the server)/.test(l));
    assert.deepEqual(starts, ['  1. start it with: sidewire serve --app nosuchapp (or start your own daemon)']);
    const call = await runCli(['call', 'echo', '--app', 'nosuchapp'], env, 60_000);
    assert.equal(call.code, 3);
    assert.doesNotMatch(call.stderr, /start the server \(e\.g\. `sidewire serve`\)/);
    assert.match(call.stderr, /start it with: sidewire serve --app nosuchapp/);
  });
});

describe('server rejections and tokens', () => {
  it('regression: notify reports a server rejection (exit 1) instead of printing `delivered`', async () => {
    // A server that answers the notification with -32600 (id null), as the issue saw, then the ping.
    const { dir, cleanup } = tempDir('swrej');
    const sock = path.join(dir, 'r.sock');
    const fake = net.createServer((socket) => {
      let buf = '';
      socket.once('data', (first) => {
        if (first[0] !== 0x7b) {
          socket.destroy(); // binary preface: make the client retry in JSON mode
          return;
        }
        const onData = (d: Buffer): void => {
          buf += String(d);
          for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
            const m = JSON.parse(buf.slice(0, i)) as { id?: number; method: string };
            buf = buf.slice(i + 1);
            const reply =
              m.id === undefined
                ? { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: stored nothing' } }
                : m.method === '$/hello'
                  ? { jsonrpc: '2.0', id: m.id, result: { protocol: 1, clientId: 'fake', pid: process.pid, ppid: process.ppid, server: { name: 'fake', version: '0' }, capabilities: {} } }
                  : { jsonrpc: '2.0', id: m.id, result: { time: Date.now() } };
            socket.write(JSON.stringify(reply) + '\n');
          }
        };
        socket.on('data', onData);
        onData(first);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => fake.listen(sock, resolve));
    try {
      const r = await runCli(['notify', 'hook.event', '{"n":1}', '--endpoint', `unix://${sock}`], { XDG_RUNTIME_DIR: dir }, 60_000);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /notify hook\.event failed: the server refused it: invalid request: stored nothing \(code -32600\)/);
      const json = await runCli(['notify', 'hook.event', '{"n":1}', '--endpoint', `unix://${sock}`, '--json'], { XDG_RUNTIME_DIR: dir }, 60_000);
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stdout).error.code, -32600);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
      cleanup();
    }
  });

  it('a notification larger than the server accepts is refused with exit 1', async () => {
    const t = await startServer({ limits: { maxMessageBytes: 1024 } });
    try {
      const file = path.join(t.dir, 'big.json');
      fs.writeFileSync(file, JSON.stringify({ blob: 'x'.repeat(4096) }));
      const r = await runCli(['notify', 'hook.event', `@${file}`, '--endpoint', t.endpoint], t.env, 60_000);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /ERR_MESSAGE_TOO_LARGE|the server refused it: message too large/);
    } finally {
      await t.cleanup();
    }
  });

  it('regression: the TCP token hint names --token and the server\'s discovery file; --token works', async () => {
    const t = await startServer({ endpoint: 'tcp://127.0.0.1:0', requireToken: true });
    try {
      const tcp = t.server.endpoint;
      const refused = await runCli(['call', '$/ping', '--endpoint', tcp], t.env, 60_000);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /pass --token T: the "token" field of the server's discovery file/);
      assert.doesNotMatch(refused.stderr, /as the token option/);
      const token = JSON.parse(fs.readFileSync(t.server.discoveryPath!, 'utf8')).token as string;
      const ok = await runCli(['call', '$/ping', '--endpoint', tcp, '--token', token], t.env, 60_000);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(typeof JSON.parse(ok.stdout).time, 'number');
      for (const cmd of [['listen', 'x', '--help'], ['notify', '--help'], ['status', '--help']]) {
        assert.match((await runCli(cmd, {}, 60_000)).stdout, /--token T/);
      }
    } finally {
      await t.cleanup();
    }
  });

  it('regression: serve --endpoint tcp://0.0.0.0:0 suggests --allow-remote, which serve takes (with a warning)', async () => {
    const { dir, cleanup } = tempDir('swrm');
    try {
      const refused = await runCli(['serve', '--endpoint', 'tcp://0.0.0.0:0'], { XDG_RUNTIME_DIR: dir }, 60_000);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--allow-remote/);
      assert.doesNotMatch(refused.stderr, /allowRemote: true/);
      const child = spawnCli(['serve', '--endpoint', 'tcp://0.0.0.0:0', '--allow-remote', '--app', 'remoteapp'], { XDG_RUNTIME_DIR: dir });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const banner = await waitForOutput(child, /pid file: .*\n/, 60_000);
      assert.match(banner, /^listening on tcp:\/\/0\.0\.0\.0:\d+\n/);
      const done = collect(child, 60_000);
      child.kill('SIGTERM');
      const r = await done;
      assert.equal(r.code, 0);
      assert.match(stderr + r.stderr, /warning: --allow-remote: other machines can reach this daemon/);
    } finally {
      cleanup();
    }
  });
});
