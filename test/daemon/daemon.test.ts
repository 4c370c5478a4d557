/** The daemon kit in-process over real unix sockets: state, built-ins, config reload, pid file, stop. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createDaemon, startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import type { DaemonOptions } from '../../src/daemon/daemon-options.js';
import { readPidFile } from '../../src/daemon/pid-file.js';
import { ownerRefusal } from '../../src/daemon/daemon-owner.js';
import { parseEndpoint } from '../../src/endpoint/parse.js';
import { isSidewireError } from '../../src/errors.js';
import { connect, type Client } from '../../src/client/client.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import type { UntypedService } from '../../src/protocol/service.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { ask } from '../text/harness.js';
import { tinySchema } from './tiny-schema.js';

interface Env {
  readonly dir: string;
  readonly app: string;
  readonly sock: string;
  readonly env: Record<string, string>;
}

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function place(): Env {
  const { dir, cleanup } = tempDir('swd');
  cleanups.push(cleanup);
  return { dir, app: uniqueName('d'), sock: path.join(dir, 's.sock'), env: { XDG_RUNTIME_DIR: dir } };
}

function options<C>(e: Env, extra: Partial<DaemonOptions<UntypedService, C>> = {}): DaemonOptions<UntypedService, C> {
  return { app: e.app, endpoint: `unix://${e.sock}`, env: e.env, handleSignals: false, cleanupOnExit: false, drainMs: 500, onWarning: () => undefined, ...extra };
}

async function started<C>(e: Env, extra: Partial<DaemonOptions<UntypedService, C>> = {}): Promise<Daemon<UntypedService, C>> {
  const d = await startDaemon<UntypedService, C>(options(e, extra));
  cleanups.push(() => d.stop());
  return d;
}

async function client(endpoint: string, e: Env): Promise<Client> {
  const c = await connect({ endpoint, env: e.env, app: e.app });
  cleanups.push(() => c.close());
  return c;
}

async function rejection(p: Promise<unknown>): Promise<ResponseError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ResponseError, `expected a ResponseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('daemon kit: state and built-ins', () => {
  test('STATUS in text and JSON mode has the contract fields plus app fields', async () => {
    const e = place();
    const d = await started(e, { version: '9.9.9', status: () => ({ jobs: 2, state: 'ignored' }) });
    assert.equal(d.state, 'running');
    const text = JSON.parse(await ask(e.sock, 'status\n'));
    assert.equal(text.state, 'running');
    assert.equal(text.pid, process.pid);
    assert.equal(typeof text.uptimeSecs, 'number');
    assert.ok(text.connections >= 1, 'the asking connection counts');
    assert.equal(text.version, '9.9.9');
    assert.equal(text.endpoint, `unix://${e.sock}`);
    assert.equal(text.jobs, 2);
    assert.equal(text.reloads, 0);
    const c = await client(d.endpoint, e);
    const json = (await c.call('daemon.status')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).slice(0, 6), ['state', 'pid', 'uptimeSecs', 'connections', 'version', 'endpoint']);
    assert.equal(json['state'], 'running');
  });

  test('PING → PONG, HELP lists the built-ins, STOP is not a text command', async () => {
    const e = place();
    await started(e);
    assert.equal(await ask(e.sock, 'PING\n'), 'PONG\n');
    const help = (JSON.parse(await ask(e.sock, 'HELP\n')) as string[]).map((l) => l.split(' ')[0]);
    assert.deepEqual(help, ['HELP', 'PAUSE', 'PING', 'RELOAD', 'RESUME', 'STATUS']);
    assert.equal(await ask(e.sock, 'STOP\n'), 'ERR: unknown command: STOP\n');
  });

  test('PAUSE/RESUME change the state seen by STATUS and are published on daemon.state', async () => {
    const e = place();
    const d = await started(e);
    const c = await client(d.endpoint, e);
    const events: unknown[] = [];
    await c.subscribe('daemon.state', (data) => events.push(data));
    assert.equal(await ask(e.sock, 'PAUSE\n'), 'OK\n');
    assert.equal(JSON.parse(await ask(e.sock, 'STATUS\n')).state, 'paused');
    assert.equal(await ask(e.sock, 'pause\n'), 'ERR: already paused\n');
    assert.equal(await c.call('daemon.resume'), 'OK');
    assert.equal(await ask(e.sock, 'RESUME\n'), 'ERR: not paused\n');
    const refused = await rejection(c.call('daemon.resume'));
    assert.equal(refused.message, 'not paused');
    assert.equal(JSON.parse(await ask(e.sock, 'STATUS\n')).state, 'running');
    const until = Date.now() + 5000;
    while (events.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(events.map((ev) => { const { at, ...rest } = ev as { at: number }; assert.equal(typeof at, 'number'); return rest; }), [
      { state: 'paused', from: 'running' },
      { state: 'running', from: 'paused' },
    ]);
  });

  test('daemon.state reaches subscribers when stopping; the daemon ends stopped', async () => {
    const e = place();
    const d = await started(e);
    const c = await client(d.endpoint, e);
    const states: string[] = [];
    await c.subscribe('daemon.state', (data) => states.push((data as { state: string }).state));
    const seen: string[] = [];
    d.on('state', (change) => seen.push(change.to));
    await d.stop();
    assert.deepEqual(seen, ['stopping', 'stopped']);
    assert.equal(d.state, 'stopped');
    assert.deepEqual(states, ['stopping']);
    assert.deepEqual(await d.stopped, { reason: 'stop()' });
  });
});

describe('daemon kit: config and reload', () => {
  interface Cfg {
    workers: number;
    name: string;
    endpoint?: string;
  }
  const schema = tinySchema<Cfg>({ workers: 'number', name: 'string' });

  test('defaults ← file ← environment, validated', async () => {
    const e = place();
    const file = path.join(e.dir, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify({ workers: 3 }));
    const prefix = `${e.app.toUpperCase()}_`;
    const d = await started<Cfg>(e, { env: { ...e.env, [`${prefix}NAME`]: 'from-env' }, config: { file, defaults: { workers: 1, name: 'x' }, schema } });
    assert.deepEqual(d.config, { workers: 3, name: 'from-env' });
  });

  test('a broken config at start fails with ERR_CONFIG and leaves nothing behind', async () => {
    const e = place();
    const file = path.join(e.dir, 'cfg.json');
    fs.writeFileSync(file, '{"workers": "many"}');
    const d = createDaemon<UntypedService, Cfg>(options<Cfg>(e, { config: { file, defaults: { workers: 1, name: 'x' }, schema } }));
    await assert.rejects(d.start(), (err) => isSidewireError(err, 'ERR_CONFIG') && /workers: expected number/.test(err.message));
    assert.equal(d.state, 'stopped');
    assert.equal(fs.existsSync(e.sock), false);
  });

  test('RELOAD: a broken config keeps the old one and answers ERR with what and where; a good one applies and runs onReload', async () => {
    const e = place();
    const file = path.join(e.dir, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify({ workers: 2 }));
    const hooks: Array<[Cfg, Cfg]> = [];
    const d = await started<Cfg>(e, { config: { file, defaults: { workers: 1, name: 'x' }, schema }, onReload: (next, prev) => void hooks.push([next, prev]) });
    fs.writeFileSync(file, '{\n  "workers": 4,\n}');
    // The reason is the engine's own JSON.parse message: V8's (Node) or JavaScriptCore's (Bun).
    const reason = /^(Expected double-quoted property name|JSON Parse error: Property name must be a string literal)\n$/;
    const reply = await ask(e.sock, 'RELOAD\n');
    assert.ok(reply.startsWith(`ERR: reload failed: ${file} line 3 column 1: `), reply);
    assert.match(reply.slice(`ERR: reload failed: ${file} line 3 column 1: `.length), reason);
    fs.writeFileSync(file, JSON.stringify({ workers: 'four' }));
    assert.match(await ask(e.sock, 'RELOAD\n'), new RegExp(`^ERR: reload failed: invalid config: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: workers: expected number\\n$`));
    assert.deepEqual(d.config, { workers: 2, name: 'x' });
    assert.equal(hooks.length, 0);
    fs.writeFileSync(file, JSON.stringify({ workers: 5 }));
    assert.equal(await ask(e.sock, 'RELOAD\n'), 'OK\n');
    assert.deepEqual(d.config, { workers: 5, name: 'x' });
    assert.deepEqual(hooks, [[{ workers: 5, name: 'x' }, { workers: 2, name: 'x' }]]);
    assert.equal(JSON.parse(await ask(e.sock, 'STATUS\n')).reloads, 1);
  });

  test('onReload can refuse: the old config stays and the error is the reply (JSON mode too)', async () => {
    const e = place();
    const d = await started<Cfg>(e, { config: { defaults: { workers: 1, name: 'x' } }, onReload: () => { throw new Error('workers cannot change at run time'); } });
    const c = await client(d.endpoint, e);
    const err = await rejection(c.call('daemon.reload'));
    assert.equal(err.message, 'reload failed: workers cannot change at run time');
    assert.equal(err.code, -32000);
  });

  test('the endpoint is rebound only when the config changed it', async () => {
    const e = place();
    const file = path.join(e.dir, 'cfg.json');
    const first = path.join(e.dir, 'one.sock');
    const second = path.join(e.dir, 'two.sock');
    fs.writeFileSync(file, JSON.stringify({ endpoint: `unix://${first}` }));
    const reloads: boolean[] = [];
    const d = await started<Record<string, unknown>>(e, { endpoint: undefined, config: { file, defaults: {} } });
    d.on('reload', (r) => reloads.push(r.ok));
    assert.equal(d.endpoint, `unix://${first}`);
    const c = await client(d.endpoint, e);
    fs.writeFileSync(file, JSON.stringify({ endpoint: `unix://${first}`, other: 1 }));
    assert.equal(await ask(first, 'RELOAD\n'), 'OK\n');
    assert.equal(d.endpoint, `unix://${first}`);
    fs.writeFileSync(file, JSON.stringify({ endpoint: `unix://${second}` }));
    assert.equal(await c.call('daemon.reload'), 'OK');
    assert.equal(d.endpoint, `unix://${second}`);
    assert.equal(fs.existsSync(first), false, 'the old socket file is removed');
    assert.equal(JSON.parse(await ask(second, 'STATUS\n')).endpoint, `unix://${second}`);
    assert.equal(((await c.call('daemon.status')) as { state: string }).state, 'running', 'open connections stay');
    const discovery = JSON.parse(fs.readFileSync(path.join(e.dir, e.app, `${e.app}.json`), 'utf8'));
    assert.equal(discovery.endpoint, `unix://${second}`);
    assert.deepEqual(reloads, [true, true]);
  });

  test('a rebind that fails keeps the old endpoint and config', async () => {
    const e = place();
    const file = path.join(e.dir, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify({}));
    const d = await started<Record<string, unknown>>(e, { endpoint: undefined, config: { file, defaults: {} }, socketMode: 0o600 });
    const before = d.endpoint;
    fs.writeFileSync(file, JSON.stringify({ endpoint: `unix://${path.join(e.dir, 'missing-dir', 'x.sock')}` }));
    assert.match(await ask(new URL(before).pathname, 'RELOAD\n'), /^ERR: reload failed: /);
    assert.equal(d.endpoint, before);
    assert.deepEqual(d.config, {});
  });
});

describe('daemon kit: pid file and stop', () => {
  test('the pid file is written in the runtime dir at start and removed at stop', async () => {
    const e = place();
    const d = await started(e);
    const pidFile = path.join(e.dir, e.app, `${e.app}.pid`);
    assert.equal(d.pidFile, pidFile);
    assert.deepEqual(readPidFile(pidFile), { pid: process.pid });
    assert.equal(fs.statSync(pidFile).mode & 0o777, 0o600);
    await d.stop();
    assert.equal(fs.existsSync(pidFile), false);
    assert.equal(fs.existsSync(e.sock), false);
  });

  test('a pid file held by a live process fails the start with ERR_ENDPOINT_IN_USE', async () => {
    const e = place();
    const pidFile = path.join(e.dir, 'held.pid');
    fs.writeFileSync(pidFile, `${process.ppid}\n`);
    const d = createDaemon(options(e, { pidFile }));
    await assert.rejects(d.start(), (err) => isSidewireError(err, 'ERR_ENDPOINT_IN_USE'));
    assert.equal(d.state, 'stopped');
    assert.equal(fs.existsSync(e.sock), false, 'the socket is closed again');
    assert.equal(fs.readFileSync(pidFile, 'utf8'), `${process.ppid}\n`, 'the other pid file is untouched');
  });

  test('a stale pid file is replaced', async () => {
    const e = place();
    const pidFile = path.join(e.dir, 'stale.pid');
    fs.writeFileSync(pidFile, '999999999\n');
    const d = await started(e, { pidFile });
    assert.deepEqual(readPidFile(pidFile), { pid: process.pid });
    await d.stop();
  });

  test('daemon.stop over a 0600 unix socket: OK, then the daemon stops and onStop runs', async () => {
    const e = place();
    let onStop = 0;
    const d = await started(e, { onStop: () => void (onStop += 1) });
    const c = await client(d.endpoint, e);
    assert.equal(await c.call('daemon.stop'), 'OK');
    assert.deepEqual(await d.stopped, { reason: 'daemon.stop' });
    assert.equal(d.state, 'stopped');
    assert.equal(onStop, 1);
  });

  test('daemon.stop on a 0660 socket: the owner, verified by SO_PEERCRED, is allowed; without peer credentials the mode refuses', async () => {
    const e = place();
    const d = await started(e, { socketMode: 0o660 });
    const endpoint = parseEndpoint(d.endpoint);
    assert.ok(endpoint !== 'auto');
    // No credentials (TCP, pipes, no native helper): the rule falls back to what the endpoint lets through.
    assert.match(ownerRefusal({ endpoint, socketMode: 0o660, tokenRequired: false }) ?? '', /only allowed for the daemon's owner.*0660/);
    assert.match(ownerRefusal({ endpoint, socketMode: 0o600, tokenRequired: false, peer: { pid: 1, uid: 4242 }, ownUid: 1000 }) ?? '', /is uid 4242/);
    const c = await client(d.endpoint, e);
    assert.equal(await c.call('daemon.stop'), 'OK');
    await d.stopped;
  });

  test('daemon.stop is allowed with a token (the caller read the 0600 discovery file)', async () => {
    const e = place();
    const d = await started(e, { socketMode: 0o660, requireToken: true });
    const c = await client(d.endpoint, e);
    assert.equal(await c.call('daemon.stop'), 'OK');
    await d.stopped;
  });

  test('TCP: text mode needs AUTH <token>; daemon.stop is allowed to a client that presented the token', async () => {
    const e = place();
    const d = await started(e, { endpoint: 'tcp://127.0.0.1:0' });
    const token = d.server.token;
    assert.ok(token !== undefined);
    const { port } = new URL(d.endpoint.replace('tcp://', 'http://'));
    const net = await import('node:net');
    const tcpAsk = (line: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = net.createConnection({ host: '127.0.0.1', port: Number(port) }, () => s.write(line));
        let out = '';
        s.on('data', (b: Buffer) => (out += b.toString()));
        s.on('error', reject);
        s.on('close', () => resolve(out));
      });
    assert.equal(await tcpAsk('STATUS\n'), 'ERR: unauthorized\n');
    assert.equal(JSON.parse(await tcpAsk(`AUTH ${token} STATUS\n`)).state, 'running');
    const c = await client('auto', e); // finds endpoint and token in the discovery file
    assert.equal(await c.call('daemon.stop'), 'OK');
    assert.deepEqual(await d.stopped, { reason: 'daemon.stop' });
  });

  test('aliasing STOP to daemon.stop still refuses text mode', async () => {
    const e = place();
    const d = await started(e);
    d.server.textCommand('STOP', 'daemon.stop');
    assert.equal(await ask(e.sock, 'STOP\n'), 'ERR: daemon.stop is only available in JSON mode (sidewire stop)\n');
    assert.equal(d.state, 'running');
  });

  test('stop() is idempotent and start() cannot run twice', async () => {
    const e = place();
    const d = await started(e);
    await assert.rejects(d.start(), (err) => isSidewireError(err, 'ERR_DAEMON_STATE'));
    await Promise.all([d.stop(), d.stop()]);
    assert.equal(d.state, 'stopped');
  });
});
