/**
 * systemd socket activation (docs/daemon.md "Socket activation"), with a python3 harness that
 * plays systemd (test/fixtures/fake-systemd.py): it binds the socket, hands it to `sidewire serve`
 * as descriptor 3 with LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES, and listens on a NOTIFY_SOCKET. The
 * server must adopt that socket instead of binding, say READY=1 and STOPPING=1, never remove the
 * socket file (systemd owns it), and refuse an endpoint option that names another socket.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/index.js';
import { chooseInherited, sameEndpoint, takeInheritedSockets } from '../../src/transport/socket-activation.js';
import { CLI_ARGS, childEnv } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';

const HARNESS = fileURLToPath(new URL('../fixtures/fake-systemd.py', import.meta.url));

/** The harness and the lines it printed so far. */
interface Manager {
  readonly child: ChildProcess;
  readonly lines: string[];
  stderr: string;
  /** Resolves with the first line matching `re` (bounded). */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
}

function startManager(sock: string, notify: string, args: readonly string[], runtimeDir: string): Manager {
  const child = spawn('python3', [HARNESS, sock, notify, 'sidewire', '--', process.execPath, ...CLI_ARGS, ...args], {
    env: childEnv({ XDG_RUNTIME_DIR: runtimeDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m: Manager = {
    child,
    lines: [],
    stderr: '',
    line: (re, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = (): void => {
          const found = m.lines.find((l) => re.test(l));
          if (found !== undefined) resolve(found);
          else if (Date.now() > deadline) reject(new Error(`no line ${re} from the harness; got:\n${m.lines.join('\n')}\nstderr:\n${m.stderr}`));
          else setTimeout(poll, 25);
        };
        poll();
      }),
  };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      m.lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (m.stderr += d.toString()));
  return m;
}

describe('socket activation', () => {
  const tmp = tempDir('swact');
  after(() => tmp.cleanup());

  test('sidewire serve adopts the socket systemd passes as fd 3, says READY=1 and STOPPING=1, and leaves the socket file to systemd', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const notify = path.join(tmp.dir, `${uniqueName()}.notify`);
    const app = uniqueName('act');
    const m = startManager(sock, notify, ['serve', '--app', app, '--json'], tmp.dir);
    try {
      const pid = Number((await m.line(/^PID /)).slice(4));
      const ready = await m.line(/^NOTIFY .*READY=1/);
      assert.match(ready, new RegExp(`STATUS=listening on unix://${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(ready, new RegExp(`MAINPID=${pid}`));
      // The server serves on the inherited socket: the harness bound it, nobody else did.
      const client = await connect({ endpoint: `unix://${sock}`, reconnect: false });
      try {
        assert.equal(((await client.call('daemon.status')) as { pid: number }).pid, pid);
        assert.equal(await client.call('echo', { a: 1 }).then((r) => JSON.stringify(r)), '{"a":1}');
      } finally {
        await client.close();
      }
      process.kill(pid, 'SIGTERM');
      await m.line(/^NOTIFY .*STOPPING=1/);
      assert.equal(await m.line(/^EXIT /), 'EXIT 0', m.stderr);
      assert.ok(fs.lstatSync(sock).isSocket(), 'the socket file systemd owns is still there');
      // And it still accepts: like systemd, the manager could start the service again on it.
      const probe = net.connect(sock);
      await new Promise<void>((resolve, reject) => {
        probe.once('connect', resolve);
        probe.once('error', reject);
      });
      probe.destroy();
    } finally {
      m.child.kill();
    }
  });

  test('an endpoint option that names another socket: ERR_SOCKET_ACTIVATION, no READY=1', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const notify = path.join(tmp.dir, `${uniqueName()}.notify`);
    const other = path.join(tmp.dir, `${uniqueName()}.sock`);
    const m = startManager(sock, notify, ['serve', '--app', uniqueName('act'), '--endpoint', `unix://${other}`], tmp.dir);
    try {
      const exit = await m.line(/^EXIT /);
      assert.notEqual(exit, 'EXIT 0');
      assert.match(m.stderr, /ERR_SOCKET_ACTIVATION: the endpoint unix:\/\/.* is not the socket systemd handed over/);
      assert.ok(!m.lines.some((l) => /READY=1/.test(l)), m.lines.join('\n'));
      assert.ok(!fs.existsSync(other), 'it did not bind the endpoint it was given instead');
    } finally {
      m.child.kill();
    }
  });

  test('sd_listen_fds semantics: only for LISTEN_PID = this process; bad LISTEN_FDS is a coded error; the variables are consumed', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: String(process.pid + 1), LISTEN_FDS: '1' };
    assert.equal(takeInheritedSockets(env), undefined);
    assert.equal(env['LISTEN_FDS'], '1', 'another process\'s variables are left alone');
    const bad: NodeJS.ProcessEnv = { LISTEN_PID: String(process.pid), LISTEN_FDS: 'x' };
    assert.throws(() => takeInheritedSockets(bad), (err: Error & { code?: string }) => err.code === 'ERR_SOCKET_ACTIVATION');
    assert.equal(bad['LISTEN_PID'], undefined);
    const a = { fd: 3, name: 'web', endpoint: { kind: 'unix', path: '/run/a.sock' } } as const;
    const b = { fd: 4, name: 'sidewire', endpoint: { kind: 'tcp', host: '127.0.0.1', port: 7000 } } as const;
    assert.equal(chooseInherited([a, b], undefined, 'sidewire'), b, 'the one named like the service');
    assert.equal(chooseInherited([a, b], { kind: 'unix', path: '/run/a.sock' }, 'x'), a);
    assert.ok(sameEndpoint(b.endpoint, { kind: 'tcp', host: 'localhost', port: 0 }));
    assert.throws(() => chooseInherited([a], { kind: 'unix', path: '/run/b.sock' }, 'x'), /not the socket systemd handed over/);
  });
});
