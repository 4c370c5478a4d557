/**
 * NATS from the command line and through the bridge, as real processes against a real nats-server
 * (docs/nats.md): the README's `sidewire serve` / `sidewire call` / `sidewire notify --durable`
 * on nats://, `sidewire bridge` in front of a local daemon, and the NATS client staying an
 * optional dependency (an install without it imports fine and says what to install).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { connect, type Client } from '../../src/client/client.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { collect, runCli, spawnCli, waitForOutput, type CliResult } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { Arrivals } from '../helpers/arrivals.js';

let nats: NatsServerHandle;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.stop();
});

/** Stops a `sidewire serve` / `sidewire bridge` child with SIGTERM and waits for it. */
async function stop(child: ChildProcess | undefined): Promise<CliResult | undefined> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
  const done = collect(child, 60_000);
  child.kill('SIGTERM');
  return done.catch(() => undefined);
}

/** Polls `probe` until it returns a value (not undefined), for at most `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the README commands on nats://', () => {
  const { dir, cleanup } = tempDir('swnc');
  const env = { XDG_RUNTIME_DIR: dir };
  const service = uniqueName('demo');
  let server: ChildProcess | undefined;
  let endpoint = '';
  before(async () => {
    endpoint = nats.url;
    server = spawnCli(['serve', '--endpoint', endpoint, '--service', service], env);
    await waitForOutput(server, `listening on ${endpoint}`, 60_000);
  });
  after(async () => {
    await stop(server);
    cleanup();
  });

  it("`sidewire call echo '{\"a\":1}' --endpoint nats://… --service demo` prints {\"a\":1}", async () => {
    const r = await runCli(['call', 'echo', '{"a":1}', '--endpoint', endpoint, '--service', service], env, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { a: 1 });
    const sum = await runCli(['call', 'sum', '[1,2,3]', '--endpoint', endpoint, '--service', service], env, 60_000);
    assert.equal(sum.stdout.trim(), '6', sum.stderr);
  });

  it('regression: a durable notification over NATS lands in the reference inbox once (not also as a plain notification)', async () => {
    const r = await runCli(['notify', 'hook.event', '{"n":42}', '--durable', '--endpoint', endpoint, '--service', service], env, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const id = /^delivered ([0-9a-f]{12}\.\d+)\n$/.exec(r.stdout)?.[1];
    assert.ok(id !== undefined, r.stdout);
    // JetStream hands it to the server's consumer asynchronously: wait until the inbox shows it
    const records = await eventually(async () => {
      const list = await runCli(['call', 'inbox.list', '--endpoint', endpoint, '--service', service], env, 60_000);
      assert.equal(list.code, 0, list.stderr);
      const all = JSON.parse(list.stdout) as Array<{ method: string; params: unknown; id: string | null }>;
      return all.some((x) => x.id === id) ? all : undefined;
    }, 'the durable notification in inbox.list');
    const mine = records.filter((x) => x.method === 'hook.event' && (x.params as { n?: number })?.n === 42);
    assert.deepEqual(mine.map((x) => x.id), [id], JSON.stringify(records));
  });

  it("`sidewire listen 'clock.*'` on nats:// prints the daemon's clock.tick events as NDJSON", async () => {
    const listener = spawnCli(['listen', 'clock.*', '--endpoint', endpoint, '--service', service], env);
    try {
      const out = await waitForOutput(listener, /"topic":"clock\.tick".*\n.*"topic":"clock\.tick"/s, 60_000);
      const [a, b] = out.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; data: { n: number } });
      assert.ok(a!.data.n < b!.data.n, out);
    } finally {
      await stop(listener);
    }
  });

  it('a call to a service nobody serves exits 3 (ERR_NOT_RUNNING), at once', async () => {
    const r = await runCli(['call', 'echo', '{}', '--endpoint', endpoint, '--service', uniqueName('nobody')], env, 60_000);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /ERR_NOT_RUNNING/);
  });
});

describe('notify --durable on nats:// while no server of the service runs', () => {
  const { dir, cleanup } = tempDir('swns');
  const env = { XDG_RUNTIME_DIR: dir };
  const service = uniqueName('later');
  let server: ChildProcess | undefined;
  after(async () => {
    await stop(server);
    cleanup();
  });

  it('is spooled (exit 0), then delivered once by the server that starts later on this machine', async () => {
    const r = await runCli(['notify', 'hook.event', '{"n":5}', '--durable', '--endpoint', nats.url, '--service', service], env, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const id = /^spooled ([0-9a-f]{12}\.\d+) in /.exec(r.stdout)?.[1];
    assert.ok(id !== undefined, r.stdout);
    server = spawnCli(['serve', '--endpoint', nats.url, '--service', service], env);
    await waitForOutput(server, 'listening on', 60_000);
    const records = await eventually(async () => {
      const list = await runCli(['call', 'inbox.list', '--endpoint', nats.url, '--service', service], env, 60_000);
      assert.equal(list.code, 0, list.stderr);
      const all = JSON.parse(list.stdout) as Array<{ id: string | null }>;
      return all.some((x) => x.id === id) ? all : undefined;
    }, 'the spooled notification in inbox.list');
    assert.deepEqual(records.map((x) => x.id), [id]);
  });
});

describe('sidewire bridge in front of a local daemon', () => {
  const { dir, cleanup } = tempDir('swnb');
  const env = { XDG_RUNTIME_DIR: dir };
  const local = `unix://${path.join(dir, 'd.sock')}`;
  const service = uniqueName('s');
  let daemon: ChildProcess | undefined;
  let bridgeProc: ChildProcess | undefined;
  let remote: Client | undefined;
  let localClient: Client | undefined;
  before(async () => {
    daemon = spawnCli(['serve', '--endpoint', local, '--tick-ms', '100'], env);
    await waitForOutput(daemon, /pid file: .*\n/, 60_000);
    bridgeProc = spawnCli(['bridge', '--from', local, '--to', nats.url, '--service', service], env);
    await waitForOutput(bridgeProc, `as service ${service}`, 60_000);
  });
  after(async () => {
    await remote?.close();
    await localClient?.close();
    const stopped = await stop(bridgeProc);
    await stop(daemon);
    cleanup();
    if (stopped !== undefined) assert.equal(stopped.code, 0, stopped.stderr);
  });

  it('a sidewire client on NATS calls echo and sum and receives clock.tick through the bridge', async () => {
    remote = await connect({ endpoint: nats.url, service, app: service, reconnect: false, callTimeoutMs: 60_000, connectTimeoutMs: 60_000 });
    assert.equal(remote.serverInfo?.capabilities['bridge'], true);
    assert.deepEqual(await remote.call('echo', { a: 1 }), { a: 1 });
    assert.equal(await remote.call('sum', [1, 2, 3]), 6);
    const ticks = new Arrivals<{ n: number }>('tick');
    await remote.subscribe('clock.tick', (data) => ticks.push(data as { n: number }));
    const first = await ticks.next(60_000);
    const second = await ticks.next(60_000);
    assert.ok(first !== undefined && second !== undefined && second.n > first.n, JSON.stringify([first, second]));
  });

  it("the local daemon's errors reach the NATS side with their JSON-RPC code", async () => {
    remote ??= await connect({ endpoint: nats.url, service, app: service, reconnect: false, callTimeoutMs: 60_000, connectTimeoutMs: 60_000 });
    await assert.rejects(remote.call('sum', ['x']), (err: unknown) => (err as { code?: unknown }).code === -32602);
    await assert.rejects(remote.call('no.such.method'), (err: unknown) => (err as { code?: unknown }).code === -32601);
  });

  it("a durable notification from the NATS side reaches the local daemon's inbox once, through JetStream and the bridge", async () => {
    remote ??= await connect({ endpoint: nats.url, service, app: service, reconnect: false, callTimeoutMs: 60_000, connectTimeoutMs: 60_000 });
    const receipt = await remote.notify('hook.event', { n: 7 }, { durable: true });
    assert.equal(await remote.flushSpool(), 0, 'stored in JetStream, nothing left in the spool');
    const records = await eventually(async () => {
      const r = await runCli(['call', 'inbox.list', '--endpoint', local], env, 60_000);
      assert.equal(r.code, 0, r.stderr);
      const all = JSON.parse(r.stdout) as Array<{ method: string; id: string | null }>;
      return all.some((x) => x.id === receipt.id) ? all : undefined;
    }, 'the durable notification in the local inbox');
    assert.deepEqual(records.filter((x) => x.method === 'hook.event').map((x) => x.id), [receipt.id], JSON.stringify(records));
  });

  it('local clients keep working unchanged, also from the CLI', async () => {
    localClient = await connect({ endpoint: local, env, callTimeoutMs: 60_000, connectTimeoutMs: 60_000 });
    assert.deepEqual(await localClient.call('echo', { local: true }), { local: true });
    const r = await runCli(['call', 'sum', '[2,3]', '--endpoint', local], env, 60_000);
    assert.equal(r.stdout.trim(), '5', r.stderr);
  });
});

describe('regression: the bridge survives notifications it cannot pass on while the local daemon is away', () => {
  const { dir, cleanup } = tempDir('swnq');
  const env = { XDG_RUNTIME_DIR: dir };
  const local = `unix://${path.join(dir, 'q.sock')}`;
  const service = uniqueName('q');
  let daemon: ChildProcess | undefined;
  let bridgeProc: ChildProcess | undefined;
  after(async () => {
    await stop(bridgeProc);
    await stop(daemon);
    cleanup();
  });

  it('1500 NATS notifications with the daemon stopped (over the 1000-message queue): the bridge still answers', async () => {
    daemon = spawnCli(['serve', '--endpoint', local], env);
    await waitForOutput(daemon, /pid file: .*\n/, 60_000);
    bridgeProc = spawnCli(['bridge', '--from', local, '--to', nats.url, '--service', service], env);
    let bridgeErr = '';
    bridgeProc.stderr!.on('data', (d: Buffer) => (bridgeErr += String(d)));
    await waitForOutput(bridgeProc, `as service ${service}`, 60_000);
    const stopped = await stop(daemon);
    assert.equal(stopped?.code, 0);
    const nc: NatsConnection = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
    try {
      for (let i = 0; i < 1500; i++) nc.publish(`${service}.rpc.hook.event`, JSON.stringify({ i }));
      await nc.flush();
      await eventually(async () => (/ERR_QUEUE_FULL/.test(bridgeErr) ? true : undefined), 'the bridge reporting the full queue');
      const hello = (await nc.request(`${service}.rpc.$/hello`, '{}', { timeout: 60_000 })).json<{ result?: { capabilities?: { bridge?: boolean } } }>();
      assert.equal(hello.result?.capabilities?.bridge, true);
      assert.equal(bridgeProc.exitCode, null, bridgeErr);
    } finally {
      await nc.close();
    }
  });
});

describe('the NATS client is an optional dependency', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { dir, cleanup } = tempDir('swno');
  after(cleanup);

  /** An app dir whose node_modules holds sidewire (package.json + dist) and its runtime dependencies, but no @nats-io. */
  function appWithoutNats(): string {
    const pkg = path.join(dir, 'node_modules', 'sidewire');
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    const deps = Object.keys((JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const dep of deps) {
      fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', dep)), { recursive: true });
      fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(dir, 'node_modules', dep));
    }
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules', '@nats-io')), 'the app has no @nats-io packages');
    return dir;
  }

  it('sidewire imports without it; nats:// (connect, bridge, the CLI) fails with ERR_DEPENDENCY_MISSING naming @nats-io/transport-node', () => {
    const app = appWithoutNats();
    const script = `
      const sidewire = await import('sidewire');
      const out = { api: [typeof sidewire.createServer, typeof sidewire.connect, typeof sidewire.bridge] };
      for (const [name, run] of [
        ['connect', () => sidewire.connect({ endpoint: 'nats://127.0.0.1:1', service: 'x', reconnect: false })],
        ['bridge', () => sidewire.bridge({ from: { endpoint: 'nats://127.0.0.1:1' }, to: 'nats://127.0.0.1:1', service: 'x' })],
        ['server', () => sidewire.createServer({ endpoint: 'nats://127.0.0.1:1', service: 'x', discovery: false }).listen()],
      ]) {
        try { await run(); out[name] = 'resolved'; }
        catch (err) { out[name] = { code: err.code, message: err.message, fixes: err.fixes, dependency: err.details?.dependency }; }
      }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_RUNTIME_DIR: dir } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, { code?: string; fixes?: string[]; dependency?: string } | string[]>;
    assert.deepEqual(out['api'], ['function', 'function', 'function']);
    for (const name of ['connect', 'bridge', 'server']) {
      const o = out[name] as { code?: string; fixes?: string[]; dependency?: string };
      assert.equal(o.code, 'ERR_DEPENDENCY_MISSING', `${name}: ${JSON.stringify(o)}`);
      assert.equal(o.dependency, '@nats-io/transport-node');
      assert.ok(o.fixes?.some((f) => f.includes('npm install @nats-io/transport-node')), JSON.stringify(o));
    }
    const cli = spawnSync(process.execPath, [path.join(app, 'node_modules', 'sidewire', 'dist', 'cli', 'main.js'), 'call', 'echo', '{}', '--endpoint', 'nats://127.0.0.1:1', '--service', 'x'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_RUNTIME_DIR: dir },
    });
    assert.equal(cli.status, 1, cli.stderr);
    assert.match(cli.stderr, /ERR_DEPENDENCY_MISSING/);
    assert.match(cli.stderr, /npm install @nats-io\/transport-node/);
  });
});
