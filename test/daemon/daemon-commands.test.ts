import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SidewireError } from '../../src/errors.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { createDaemonCommands, DAEMON_ERROR_CODE, type DaemonHost, type DaemonMethod } from '../../src/daemon/daemon-commands.js';
import { textCommandsFromAliases } from '../../src/daemon/daemon-text-commands.js';
import { DaemonStateMachine } from '../../src/daemon/state.js';
import { ask, startTextServer, type TextServer } from '../text/harness.js';

interface TestHost extends DaemonHost {
  reloads: number;
  reloadImpl: () => Promise<void>;
}

function makeHost(overrides: Partial<DaemonHost> = {}): TestHost {
  const host: TestHost = {
    state: new DaemonStateMachine({ initial: 'running' }),
    status: () => ({ jobs: 3, state: 'hijacked' }),
    reloads: 0,
    reloadImpl: async () => {},
    reload: async () => {
      host.reloads += 1;
      await host.reloadImpl();
    },
    connections: () => 7,
    version: '1.2.3',
    endpoint: 'unix:///tmp/x.sock',
    startedAt: 1_000_000,
    now: () => 1_000_000 + 65_900,
    pid: 4321,
    ...overrides,
  };
  return host;
}

function method(host: DaemonHost, name: string): DaemonMethod {
  const m = createDaemonCommands(host).methods.get(name);
  assert.ok(m, `${name} exists`);
  return m;
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

describe('createDaemonCommands', () => {
  test('has the five methods and the text aliases', () => {
    const c = createDaemonCommands(makeHost());
    assert.deepEqual([...c.methods.keys()].sort(), ['daemon.pause', 'daemon.ping', 'daemon.reload', 'daemon.resume', 'daemon.status']);
    assert.deepEqual(Object.fromEntries(c.textAliases), {
      STATUS: 'daemon.status',
      PAUSE: 'daemon.pause',
      RESUME: 'daemon.resume',
      RELOAD: 'daemon.reload',
      PING: 'daemon.ping',
    });
    for (const name of c.methods.keys()) assert.ok((c.descriptions.get(name) ?? '').length > 0, name);
    assert.equal(c.methods.has('daemon.stop'), false);
  });

  test('daemon.status: built-in fields plus app fields, which cannot replace built-ins', async () => {
    const status = await method(makeHost(), 'daemon.status')();
    assert.deepEqual(status, {
      state: 'running',
      pid: 4321,
      uptimeSecs: 65,
      connections: 7,
      version: '1.2.3',
      endpoint: 'unix:///tmp/x.sock',
      jobs: 3,
    });
  });

  test('daemon.status reflects the current state and defaults pid to process.pid', async () => {
    const host = makeHost({ pid: undefined });
    host.state.pause();
    const status = (await method(host, 'daemon.status')()) as { state: string; pid: number };
    assert.equal(status.state, 'paused');
    assert.equal(status.pid, process.pid);
  });

  test('daemon.ping → PONG', async () => {
    assert.equal(await method(makeHost(), 'daemon.ping')(), 'PONG');
  });

  test('daemon.pause / daemon.resume → OK and change state', async () => {
    const host = makeHost();
    assert.equal(await method(host, 'daemon.pause')(), 'OK');
    assert.equal(host.state.state, 'paused');
    assert.equal(await method(host, 'daemon.resume')(), 'OK');
    assert.equal(host.state.state, 'running');
  });

  test('refusals are ResponseErrors with the reason and the sidewire code', async () => {
    const host = makeHost();
    const resume = await rejection(method(host, 'daemon.resume')());
    assert.equal(resume.message, 'not paused');
    assert.equal(resume.code, DAEMON_ERROR_CODE);
    assert.equal((resume.data as { code: string }).code, 'ERR_DAEMON_STATE');
    host.state.pause();
    assert.equal((await rejection(method(host, 'daemon.pause')())).message, 'already paused');
    host.state.transition('stopping');
    assert.equal((await rejection(method(host, 'daemon.pause')())).message, 'cannot pause while stopping');
  });

  test('daemon.reload → OK while running or paused', async () => {
    const host = makeHost();
    assert.equal(await method(host, 'daemon.reload')(), 'OK');
    host.state.pause();
    assert.equal(await method(host, 'daemon.reload')(), 'OK');
    assert.equal(host.reloads, 2);
  });

  test('daemon.reload refuses while starting/stopping without calling reload', async () => {
    const host = makeHost({ state: new DaemonStateMachine({ initial: 'starting' }) });
    assert.equal((await rejection(method(host, 'daemon.reload')())).message, 'cannot reload while starting');
    assert.equal(host.reloads, 0);
  });

  test('daemon.reload passes the failure reason on', async () => {
    const host = makeHost();
    host.reloadImpl = async () => {
      throw new SidewireError('ERR_CONFIG', 'config.json: port: expected number', { fixes: ['fix it'] });
    };
    const err = await rejection(method(host, 'daemon.reload')());
    assert.equal(err.message, 'reload failed: config.json: port: expected number');
    assert.deepEqual(err.data, { code: 'ERR_CONFIG', fixes: ['fix it'] });
    host.reloadImpl = async () => {
      throw new Error('disk on fire');
    };
    assert.equal((await rejection(method(host, 'daemon.reload')())).message, 'reload failed: disk on fire');
  });

  test('only one reload at a time', async () => {
    const host = makeHost();
    let release!: () => void;
    host.reloadImpl = () => new Promise<void>((resolve) => {
      release = resolve;
    });
    const reload = method(host, 'daemon.reload');
    const first = reload();
    assert.equal((await rejection(reload())).message, 'reload already in progress');
    release();
    assert.equal(await first, 'OK');
    host.reloadImpl = async () => {};
    assert.equal(await reload(), 'OK');
  });
});

describe('daemon text commands over a real text session', () => {
  const host = makeHost();
  const daemon = createDaemonCommands(host);
  const commands = textCommandsFromAliases({ methods: daemon.methods, aliases: daemon.textAliases, descriptions: daemon.descriptions });
  let server: TextServer | undefined;
  after(async () => {
    await server?.close();
  });

  test('STATUS, PAUSE, RESUME, RELOAD, PING and HELP', async () => {
    server = await startTextServer({ commands, lineTimeoutMs: 2000 });
    const status = JSON.parse(await ask(server.path, 'STATUS\n')) as Record<string, unknown>;
    assert.equal(status['state'], 'running');
    assert.equal(status['pid'], 4321);
    assert.equal(await ask(server.path, 'ping\n'), 'PONG\n');
    assert.equal(await ask(server.path, 'PAUSE\n'), 'OK\n');
    assert.equal(await ask(server.path, 'PAUSE\n'), 'ERR: already paused\n');
    assert.equal(await ask(server.path, 'RESUME\n'), 'OK\n');
    assert.equal(await ask(server.path, 'RESUME\n'), 'ERR: not paused\n');
    assert.equal(await ask(server.path, 'RELOAD\n'), 'OK\n');
    host.reloadImpl = async () => {
      throw new SidewireError('ERR_CONFIG', 'config.json line 3 column 1: Unexpected token');
    };
    assert.equal(await ask(server.path, 'RELOAD\n'), 'ERR: reload failed: config.json line 3 column 1: Unexpected token\n');
    const help = JSON.parse(await ask(server.path, 'HELP\n')) as string[];
    assert.deepEqual(help.map((l) => l.split(' — ')[0]), ['HELP', 'PAUSE', 'PING', 'RELOAD', 'RESUME', 'STATUS']);
  });

  test('aliases to missing methods are skipped; text args become params', async () => {
    const seen: unknown[] = [];
    const cmds = textCommandsFromAliases({
      methods: new Map([['app.echo', (params: unknown) => { seen.push(params); return 'OK'; }]]),
      aliases: new Map([['echo', 'app.echo'], ['GONE', 'app.gone']]),
    });
    assert.deepEqual([...cmds.keys()], ['ECHO']);
    assert.equal(cmds.get('ECHO')?.description, 'runs app.echo');
    const signal = new AbortController().signal;
    await cmds.get('ECHO')?.run([], { signal });
    await cmds.get('ECHO')?.run(['a', 'b'], { signal });
    assert.deepEqual(seen, [undefined, ['a', 'b']]);
  });
});
