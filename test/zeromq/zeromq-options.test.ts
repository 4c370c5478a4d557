/**
 * `sidewire/zeromq` options, endpoints and dependency (docs/zeromq.md): every bad option or
 * endpoint is a coded error with fixes before anything is bound or loaded; zeromq.js missing, or
 * Bun, is ERR_DEPENDENCY_MISSING saying what to do; `sidewire serve --zeromq` and
 * `sidewire doctor --zeromq` check the same way.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';
import { createServer, platformPreset, type SidewireError } from '../../src/index.js';
import { attachZeroMQ, resolveZeroMQAddress } from '../../src/zeromq/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hideZeromq = fileURLToPath(new URL('../fixtures/hide-zeromq.cjs', import.meta.url));

function codeOf(fn: () => unknown): { code: string; fixes: readonly string[]; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as SidewireError;
    return { code: e.code, fixes: e.fixes, message: e.message };
  }
  assert.fail('expected an error');
}

describe('ZeroMQ endpoints: validation', () => {
  it('accepts ipc://, ipc://@name and tcp:// (port 0 and * pick a free port)', () => {
    assert.equal(resolveZeroMQAddress('ipc:///tmp/openkore-ai.sock').address, 'ipc:///tmp/openkore-ai.sock');
    assert.equal(resolveZeroMQAddress('tcp://127.0.0.1:5555').address, 'tcp://127.0.0.1:5555');
    assert.equal(resolveZeroMQAddress('tcp://127.0.0.1:0').address, 'tcp://127.0.0.1:*');
    assert.equal(resolveZeroMQAddress('tcp://127.0.0.1:*').address, 'tcp://127.0.0.1:*');
    assert.equal(resolveZeroMQAddress('ipc://@myapp', { platform: platformPreset('linux') }).address, 'ipc://@myapp');
  });

  it('on Windows an ipc:// endpoint is ERR_ENDPOINT_PLATFORM whose fix is tcp://127.0.0.1:5555', () => {
    const e = codeOf(() => resolveZeroMQAddress('ipc:///tmp/openkore-ai.sock', { platform: platformPreset('win32') }));
    assert.equal(e.code, 'ERR_ENDPOINT_PLATFORM');
    assert.deepEqual(e.fixes, ['use tcp://127.0.0.1:5555']);
  });

  it('a path longer than the OS allows, a relative path, a pipe, a LAN host: coded errors with fixes', () => {
    const long = codeOf(() => resolveZeroMQAddress(`ipc:///tmp/${'x'.repeat(100)}.sock`, { platform: platformPreset('darwin') }));
    assert.equal(long.code, 'ERR_ENDPOINT_PATH_TOO_LONG');
    assert.match(long.message, /allows at most 103/);
    assert.ok(long.fixes.some((f) => f.includes('tcp://127.0.0.1:5555')));
    assert.equal(codeOf(() => resolveZeroMQAddress('ipc://relative.sock')).code, 'ERR_ENDPOINT_FORMAT');
    assert.equal(codeOf(() => resolveZeroMQAddress('pipe://x')).code, 'ERR_ENDPOINT_FORMAT');
    assert.equal(codeOf(() => resolveZeroMQAddress('auto')).code, 'ERR_ENDPOINT_FORMAT');
    assert.equal(codeOf(() => resolveZeroMQAddress('tcp://192.168.1.2:5555')).code, 'ERR_ENDPOINT_REMOTE');
    assert.equal(resolveZeroMQAddress('tcp://192.168.1.2:5555', { allowRemote: true }).warnings.length, 1);
  });

  it('options are checked once: a wrong value or unknown key is ERR_INVALID_ARGUMENT naming it', async () => {
    const server = createServer();
    const bad = async (options: object, option: string): Promise<void> => {
      await assert.rejects(attachZeroMQ(server, options as never), (err: SidewireError) => err.code === 'ERR_INVALID_ARGUMENT' && err.message.includes(option));
    };
    await bad({ endpoint: 'tcp://127.0.0.1:0', socket: 'pair' }, 'socket');
    await bad({ endpoint: 'tcp://127.0.0.1:0', maxInFlight: 0 }, 'maxInFlight');
    await bad({ endpoint: 'tcp://127.0.0.1:0', socketMode: 0o1777 }, 'socketMode');
    await bad({ endpoint: 'tcp://127.0.0.1:0', endpiont: 'x' }, 'endpiont');
    await bad({ endpoint: 'tcp://127.0.0.1:0', plain: { methods: { a: 1 } } }, 'plain.methods.a');
    await bad({ endpoint: 'tcp://127.0.0.1:0', plain: { typeFeld: 'kind' } }, 'plain.typeFeld');
    await bad({}, 'endpoint');
    await bad({ endpoint: 'tcp://127.0.0.1:5555', publish: 'tcp://127.0.0.1:5555' }, 'publish');
  });
});

describe('ZeroMQ: the optional dependency', () => {
  const { dir, cleanup } = tempDir('swzo');
  after(cleanup);

  it('without zeromq.js installed, sidewire serve --zeromq fails with ERR_DEPENDENCY_MISSING naming the package', async () => {
    const r = await runCli(['serve', '--endpoint', `unix://${path.join(dir, 'm.sock')}`, '--zeromq', `ipc://${path.join(dir, 'z.sock')}`], { XDG_RUNTIME_DIR: dir, NODE_OPTIONS: `--require ${hideZeromq}` }, 60_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ERR_DEPENDENCY_MISSING: ZeroMQ endpoints need zeromq.js, an optional peer dependency/);
    assert.match(r.stderr, /npm install zeromq@\^6\.8\.0/);
  });

  it('under Bun (where zeromq.js crashes on first use) attaching is ERR_DEPENDENCY_MISSING, not a crash', async () => {
    const script = [
      "import { createServer } from './src/index.ts';",
      "import { attachZeroMQ } from './src/zeromq/index.ts';",
      `try { await attachZeroMQ(createServer(), { endpoint: 'ipc://${path.join(dir, 'bun.sock')}' }); console.log('attached'); }`,
      'catch (e) { console.log(JSON.stringify({ code: e.code, runtime: e.details.runtime })); }',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(path.join(root, 'node_modules/.bin/bun'), ['-e', script], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.deepEqual(JSON.parse(out), { code: 'ERR_DEPENDENCY_MISSING', runtime: 'bun' });
  });
});

describe('ZeroMQ on the command line', () => {
  const { dir, cleanup } = tempDir('swzc');
  after(cleanup);

  it('sidewire serve --zeromq with an invalid endpoint exits 2 before starting; --zeromq-socket needs rep or router', async () => {
    const r = await runCli(['serve', '--endpoint', `unix://${path.join(dir, 'a.sock')}`, '--zeromq', 'pipe://x'], { XDG_RUNTIME_DIR: dir }, 60_000);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ERR_ENDPOINT_FORMAT: --zeromq "pipe:\/\/x" is not valid: ZeroMQ has no named pipes/);
    const s = await runCli(['serve', '--zeromq', 'tcp://127.0.0.1:0', '--zeromq-socket', 'pair'], { XDG_RUNTIME_DIR: dir }, 60_000);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /--zeromq-socket must be rep or router/);
  });

  it('sidewire doctor --zeromq: Windows gets tcp://127.0.0.1:5555 (exit 2); a live endpoint is reported live', async () => {
    const win = await runCli(['doctor', '--platform', 'win32', '--zeromq', 'ipc:///tmp/openkore-ai.sock', '--json'], { XDG_RUNTIME_DIR: dir }, 60_000);
    assert.equal(win.code, 2);
    const report = JSON.parse(win.stdout) as { zeromq: { state: string }; problems: Array<{ code: string; fixes: string[] }> };
    assert.equal(report.zeromq.state, 'invalid');
    assert.equal(report.problems.at(-1)?.code, 'ERR_ENDPOINT_PLATFORM');
    assert.deepEqual(report.problems.at(-1)?.fixes, ['use tcp://127.0.0.1:5555']);
    const zsock = path.join(dir, 'live.sock');
    const server = spawnCli(['serve', '--endpoint', `unix://${path.join(dir, 's.sock')}`, '--zeromq', `ipc://${zsock}`], { XDG_RUNTIME_DIR: dir });
    try {
      await waitForOutput(server, 'zeromq:', 60_000);
      const live = await runCli(['doctor', '--endpoint', `unix://${path.join(dir, 's.sock')}`, '--zeromq', `ipc://${zsock}`], { XDG_RUNTIME_DIR: dir }, 60_000);
      assert.equal(live.code, 0, live.stdout + live.stderr);
      assert.match(live.stdout, /zeromq: {7}ipc:\/\/.*live\.sock \(a server is listening there/);
      assert.match(live.stdout, /zeromq\.js: {4}available/);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
