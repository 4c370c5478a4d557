// `sidewire doctor` run as a real child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';

let tmp: { dir: string; cleanup: () => void };
before(() => {
  tmp = tempDir('doc');
});
after(() => tmp.cleanup());

/** An env whose XDG_RUNTIME_DIR is a fresh private dir, and with no *_ENDPOINT overrides. */
function isolatedEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const xdg = fs.mkdtempSync(path.join(tmp.dir, 'x'));
  fs.chmodSync(xdg, 0o700);
  return { XDG_RUNTIME_DIR: xdg, MYAPP_ENDPOINT: undefined, SIDEWIRE_ENDPOINT: undefined, ...extra };
}

function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+/, 'output contains a stack trace');
}

test('--json on Linux reports a unix endpoint under the runtime dir', async () => {
  const env = isolatedEnv();
  const r = await runCli(['doctor', '--json', '--app', 'myapp'], env);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.ok, true);
  assert.equal(report.source, 'default');
  assert.equal(report.runtimeDir.path, path.join(env['XDG_RUNTIME_DIR']!, 'myapp'));
  assert.equal(report.endpoint, `unix://${path.join(env['XDG_RUNTIME_DIR']!, 'myapp', 'myapp.sock')}`);
  assert.equal(report.socket.state, 'absent');
  assert.equal(report.platform.supports.unix, true);
  assert.equal(fs.existsSync(report.runtimeDir.path), false, 'doctor must not create the runtime dir');
});

test('a relative ipc path in MYAPP_ENDPOINT exits 1 with ERR_ENDPOINT_FORMAT and a fix naming MYAPP_ENDPOINT', async () => {
  const r = await runCli(['doctor', '--app', 'myapp'], isolatedEnv({ MYAPP_ENDPOINT: 'ipc://relative/x.sock' }));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /ERR_ENDPOINT_FORMAT/);
  assert.match(r.stdout, /how to fix:\n\s+1\. .*MYAPP_ENDPOINT/);
  assertNoStack(r.stdout + r.stderr);
});

test('--platform win32 shows the named-pipe default', async () => {
  const r = await runCli(['doctor', '--platform', 'win32', '--app', 'myapp', '--json'], isolatedEnv());
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.match(report.endpoint, /^pipe:\/\/myapp-[a-z0-9._-]+-myapp$/);
  assert.equal(report.simulated, true);
  assert.equal(report.socket.state, 'not-checked');
});

test('--platform wsl1 defaults to loopback TCP and unix on wsl2', async () => {
  const wsl1 = JSON.parse((await runCli(['doctor', '--platform', 'wsl1', '--json'], isolatedEnv())).stdout);
  assert.equal(wsl1.endpoint, 'tcp://127.0.0.1:0');
  const wsl2 = JSON.parse((await runCli(['doctor', '--platform', 'wsl2', '--json'], isolatedEnv())).stdout);
  assert.match(wsl2.endpoint, /^unix:\/\/\//);
});

test('an env override that does not exist on the simulated platform names the env var and a working value', async () => {
  const r = await runCli(['doctor', '--platform', 'win32', '--app', 'myapp'], isolatedEnv({ MYAPP_ENDPOINT: 'unix:///tmp/x.sock' }));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /ERR_ENDPOINT_PLATFORM/);
  assert.match(r.stdout, /tcp:\/\/127\.0\.0\.1:5555/);
  assert.match(r.stdout, /MYAPP_ENDPOINT/);
});

for (const [label, args] of [
  ['unknown flag', ['doctor', '--bogus']],
  ['unknown platform', ['doctor', '--platform', 'plan9']],
  ['malformed endpoint', ['doctor', '--endpoint', 'http://x']],
  ['relative ipc path', ['doctor', '--endpoint', 'ipc://relative/x.sock']],
  ['port out of range', ['doctor', '--endpoint', 'tcp://127.0.0.1:70000']],
  ['IPv6 form', ['doctor', '--endpoint', 'tcp://[::1]:5555']],
  ['bad app name', ['doctor', '--app', 'my app']],
] as const) {
  test(`bad arguments exit 2 with a clear message: ${label}`, async () => {
    const r = await runCli(args, isolatedEnv());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok((r.stdout + r.stderr).length > 0);
    assertNoStack(r.stdout + r.stderr);
  });
}

test('reports a live socket and leaves it alone', async () => {
  const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
  const server = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    const r = await runCli(['doctor', '--json', '--endpoint', `unix://${sock}`], isolatedEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).socket.state, 'live');
    assert.ok(fs.statSync(sock).isSocket());
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('reports a stale socket and changes nothing', async () => {
  const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
  // A process that binds and exits without unlinking leaves a stale socket file behind.
  const py = spawnSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', sock]);
  assert.equal(py.status, 0, String(py.stderr));
  const r = await runCli(['doctor', '--json', '--endpoint', `unix://${sock}`], isolatedEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).socket.state, 'stale');
  assert.ok(fs.statSync(sock).isSocket(), 'doctor must not remove a stale socket');
});

test('a regular file at the socket path is a problem, and is left alone', async () => {
  const file = path.join(tmp.dir, `${uniqueName()}.sock`);
  fs.writeFileSync(file, 'user data');
  const r = await runCli(['doctor', '--endpoint', `unix://${file}`], isolatedEnv());
  assert.equal(r.code, 1);
  assert.match(r.stdout, /ERR_ENDPOINT_NOT_SOCKET/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'user data');
});

test('an unsafe runtime dir (mode 0755) is reported with the chmod fix', async () => {
  const env = isolatedEnv();
  const dir = path.join(env['XDG_RUNTIME_DIR']!, 'myapp');
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const r = await runCli(['doctor', '--app', 'myapp'], env);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /ERR_RUNTIME_DIR_UNSAFE/);
  assert.match(r.stdout, /chmod 700/);
});

test('help exits 0 and lists doctor', async () => {
  const r = await runCli(['help'], isolatedEnv());
  assert.equal(r.code, 0);
  assert.match(r.stdout, /doctor/);
});
