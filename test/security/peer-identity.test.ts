/**
 * Kernel-verified peer identity (docs/security.md "Peer identity"): SO_PEERCRED on each
 * unix-socket connection, on the request context, in `$/stats` `clients` and in place of the pid
 * a client claims in `$/hello`; the `allow` policy checked at accept (refused peers closed and
 * counted); its fallback to the token where there are no credentials; `daemon.stop`'s owner rule
 * as a real check. The cross-user cases connect from a second, unprivileged user (root only).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { connect, createDaemon, createServer, isSidewireError, type Server } from '../../src/index.js';
import { peerIdentityStatus } from '../../src/transport/peer-identity.js';
import { parseAccessPolicy } from '../../src/server/access-policy.js';
import { SECOND_USER_SKIP, runAs, secondUser } from '../helpers/second-user.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';

const uid = process.getuid?.() ?? -1;
const gid = process.getgid?.() ?? -1;

/** Sends one JSON line on a fresh socket and returns the first line of the reply, or 'closed' when the server closes without one. */
function rawExchange(socketPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let buf = '';
    s.on('connect', () => s.write(line + '\n'));
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        s.destroy();
        resolve(buf.slice(0, nl));
      }
    });
    s.on('close', () => resolve(buf === '' ? 'closed' : buf));
    s.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve('closed') : reject(err)));
  });
}

const HELLO = JSON.stringify({ jsonrpc: '2.0', id: 1, method: '$/hello', params: { protocol: 1, client: { name: 'liar', pid: 1, ppid: 1 } } });

describe('peer identity on unix sockets', () => {
  const tmp = tempDir('swpeer');
  after(() => tmp.cleanup());

  test('the native helper reads peer credentials on this machine (CI builds it)', () => {
    const status = peerIdentityStatus();
    assert.equal(status.available, true, `peer credentials unavailable: ${String(status.reason)}`);
  });

  test('ctx.peer, $/stats clients and the hello info carry the kernel-verified pid/uid/gid, not the claimed pid', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const server = createServer({ endpoint: `unix://${sock}`, discovery: false, allow: 'same-user' });
    let seen: unknown;
    server.method('whoami', (_p, ctx) => {
      seen = ctx.peer;
      return ctx.peer;
    });
    await server.listen();
    try {
      const client = await connect({ endpoint: `unix://${sock}` });
      try {
        const me = { pid: process.pid, uid, gid };
        assert.deepEqual(await client.call('whoami'), me);
        assert.deepEqual(seen, me);
        const stats = (await client.call('$/stats')) as { clients: Array<{ peer: unknown }> };
        assert.equal(stats.clients.length, 1);
        assert.deepEqual(stats.clients[0]?.peer, me);
      } finally {
        await client.close();
      }
      // A raw client that claims pid 1 in $/hello: the server lists the kernel's pid instead.
      const reply = await new Promise<{ pid: unknown; uid: unknown }>((resolve, reject) => {
        const s = net.connect(sock, () => s.write(HELLO + '\n'));
        s.once('data', () => {
          const info = server.clients()[0]?.client;
          s.destroy();
          if (info === undefined) reject(new Error('no client listed'));
          else resolve({ pid: info.pid, uid: info.uid });
        });
        s.on('error', reject);
      });
      assert.deepEqual(reply, { pid: process.pid, uid });
    } finally {
      await server.close();
    }
  });

  test('a peer the policy does not allow is closed before anything is read, and counted as refused{reason="peer"}', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const server = createServer({ endpoint: `unix://${sock}`, discovery: false, metrics: true, allow: { uids: [uid + 4242] } });
    let called = false;
    server.method('ping', () => (called = true));
    await server.listen();
    try {
      assert.equal(await rawExchange(sock, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })), 'closed');
      assert.equal(called, false);
      assert.equal(server.metrics?.snapshot().refused.peer, 1);
      await assert.rejects(connect({ endpoint: `unix://${sock}`, reconnect: false }));
      assert.ok((server.metrics?.snapshot().refused.peer ?? 0) >= 2); // the client may retry its dial once
    } finally {
      await server.close();
    }
  });

  test('allow as a function gets the peer; a throwing function refuses', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const peers: unknown[] = [];
    let throwNext = false;
    const server = createServer({
      endpoint: `unix://${sock}`,
      discovery: false,
      allow: (peer) => {
        peers.push(peer);
        if (throwNext) throw new Error('boom');
        return peer.uid === uid;
      },
    });
    server.method('ping', () => 'pong');
    await server.listen();
    try {
      assert.match(await rawExchange(sock, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })), /"pong"/);
      throwNext = true;
      assert.equal(await rawExchange(sock, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })), 'closed');
      assert.deepEqual(peers[0], { pid: process.pid, uid, gid });
    } finally {
      await server.close();
    }
  });

  test('a policy on TCP without a token cannot be enforced: ERR_ACCESS_POLICY at listen; with the token it warns and falls back to it', async () => {
    const noToken = createServer({ endpoint: 'tcp://127.0.0.1:0', requireToken: false, discovery: false, allow: 'same-user' });
    await assert.rejects(noToken.listen(), (err: unknown) => isSidewireError(err) && err.code === 'ERR_ACCESS_POLICY' && /no token is required/.test(err.message));
    const warnings: string[] = [];
    const withToken = createServer({ endpoint: 'tcp://127.0.0.1:0', discovery: false, allow: 'same-user', onWarning: (m) => warnings.push(m) });
    await withToken.listen();
    try {
      assert.ok(warnings.some((w) => /token required in \$\/hello is the access control/.test(w)), warnings.join('\n'));
    } finally {
      await withToken.close();
    }
  });

  test('bad policies are refused at construction; --allow parses same-user and uid/gid lists', () => {
    assert.throws(() => createServer({ allow: { uids: [-1] } }), /allow\.uids/);
    assert.throws(() => createServer({ allow: 'everyone' as never }), /allow/);
    assert.deepEqual(parseAccessPolicy('uid:1000,uid:1001,gid:50'), { uids: [1000, 1001], gids: [50] });
    assert.equal(parseAccessPolicy('same-user'), 'same-user');
    assert.throws(() => parseAccessPolicy('user:bob'), /uid:N or gid:N/);
  });

  test('sidewire serve --allow: a uid list without ours refuses our calls (exit 1); a bad --allow is a usage error (exit 2)', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const env = { XDG_RUNTIME_DIR: tmp.dir };
    const bad = await runCli(['serve', '--endpoint', `unix://${sock}`, '--allow', 'user:bob'], env, 60_000);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /uid:N or gid:N/);
    const serve = spawnCli(['serve', '--endpoint', `unix://${sock}`, '--allow', `uid:${uid + 4242}`], env);
    try {
      await waitForOutput(serve, 'listening on', 60_000);
      const refused = await runCli(['call', 'echo', '{"a":1}', '--endpoint', `unix://${sock}`], env, 60_000);
      assert.equal(refused.code, 1, refused.stderr);
      const status = await runCli(['status', '--endpoint', `unix://${sock}`], env, 60_000);
      assert.notEqual(status.code, 0);
    } finally {
      serve.kill('SIGTERM');
    }
  });

  test('daemon.stop: the owner may stop a daemon on a 0666 socket (the real uid check replaces the mode inference)', async () => {
    const sock = path.join(tmp.dir, `${uniqueName()}.sock`);
    const daemon = createDaemon({ app: uniqueName('app'), endpoint: `unix://${sock}`, socketMode: 0o666, pidFile: false, discovery: false, handleSignals: false });
    await daemon.start();
    const client = await connect({ endpoint: `unix://${sock}`, reconnect: false });
    try {
      assert.equal(await client.call('daemon.stop'), 'OK');
      await daemon.stopped;
    } finally {
      await client.close();
      await daemon.stop();
    }
  });
});

describe('peer identity across users (a second, unprivileged user)', { skip: SECOND_USER_SKIP }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync('/tmp/swpeer2-'); // not under a private TMPDIR: the second user must reach the socket
    fs.chmodSync(dir, 0o755);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The reply line the second user's python3 client gets to `line`, or 'closed'. */
  async function asSecondUser(sock: string, line: string): Promise<string> {
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      's.settimeout(60)',
      's.connect(sys.argv[1])',
      'try:',
      '    s.sendall(sys.argv[2].encode() + b"\\n")',
      '    data = s.recv(65536)',
      'except (ConnectionResetError, BrokenPipeError):',
      '    data = b""',
      'print(data.decode().split("\\n")[0] if data else "closed")',
    ].join('\n');
    // the system python: the second user cannot open a per-user install (pyenv under /root) on PATH
    const r = await runAs(secondUser(), fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', script, sock, line]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  }

  async function serveWith(allow: Parameters<typeof createServer>[0]): Promise<{ server: Server; sock: string }> {
    const sock = path.join(dir, `${uniqueName()}.sock`);
    const server = createServer({ endpoint: `unix://${sock}`, discovery: false, socketMode: 0o666, ...allow });
    server.method('whoami', (_p, ctx) => ctx.peer);
    await server.listen();
    return { server, sock };
  }

  const WHOAMI = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'whoami' });

  test("allow: 'same-user' refuses the second user (closed, nothing answered)", async () => {
    const { server, sock } = await serveWith({ allow: 'same-user' });
    try {
      assert.equal(await asSecondUser(sock, WHOAMI), 'closed');
    } finally {
      await server.close();
    }
  });

  test('allow: { uids: [its uid] } accepts it, and the handler sees its uid', async () => {
    const peer = secondUser();
    const { server, sock } = await serveWith({ allow: { uids: [peer.uid] } });
    try {
      const reply = JSON.parse(await asSecondUser(sock, WHOAMI)) as { result: { uid: number; gid: number; pid: number } };
      assert.equal(reply.result.uid, peer.uid);
      assert.equal(reply.result.gid, peer.gid);
      assert.ok(reply.result.pid > 0 && reply.result.pid !== process.pid);
    } finally {
      await server.close();
    }
  });

  test('daemon.stop from another user is refused by its uid', async () => {
    const sock = path.join(dir, `${uniqueName()}.sock`);
    const daemon = createDaemon({ app: uniqueName('app'), endpoint: `unix://${sock}`, socketMode: 0o666, pidFile: false, discovery: false, handleSignals: false });
    await daemon.start();
    try {
      const reply = await asSecondUser(sock, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.stop' }));
      assert.match(reply, /only allowed for the daemon's owner .* is uid \d+/);
      assert.equal(daemon.state, 'running');
    } finally {
      await daemon.stop();
    }
  });
});
