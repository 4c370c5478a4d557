import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { ConnectionError, EndpointError, TimeoutError } from '../../src/errors.js';
import { listenAbstractFd } from '../../src/transport/abstract-exact.js';
import { connectTransport, mapConnectError } from '../../src/transport/connect.js';
import { probeEndpoint } from '../../src/transport/probe.js';
import { makeStaleSocket } from '../fixtures/stale-socket.js';
import { tempDir, uniqueName } from '../helpers/names.js';

function serve(options: net.ListenOptions | { fd: number }): Promise<net.Server> {
  const server = net.createServer((s) => s.pipe(s));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('probeEndpoint and connectTransport', () => {
  const tmp = tempDir('swpc');
  const servers: net.Server[] = [];
  let live: Endpoint;
  let tcpPort = 0;
  let abstractName = '';

  before(async () => {
    const p = path.join(tmp.dir, 'live.sock');
    servers.push(await serve({ path: p }));
    live = { kind: 'unix', path: p };
    const tcp = await serve({ host: '127.0.0.1', port: 0 });
    servers.push(tcp);
    tcpPort = (tcp.address() as net.AddressInfo).port;
    abstractName = uniqueName('swpc');
    // The name bound the way sidewire binds it (its exact length where the runtime allows): abstract-exact.ts.
    const fd = listenAbstractFd(abstractName);
    servers.push(await serve(fd === undefined ? { path: `\0${abstractName}` } : { fd }));
  });

  after(async () => {
    await Promise.all(servers.map(close));
    tmp.cleanup();
  });

  it('unix: live, stale, absent, file, directory', async () => {
    assert.deepEqual(await probeEndpoint(live), { state: 'live' });
    const stale = path.join(tmp.dir, 'stale.sock');
    await makeStaleSocket(stale);
    assert.deepEqual(await probeEndpoint({ kind: 'unix', path: stale }), { state: 'stale' });
    assert.deepEqual(await probeEndpoint({ kind: 'unix', path: path.join(tmp.dir, 'none.sock') }), { state: 'absent' });
    const file = path.join(tmp.dir, 'file.sock');
    fs.writeFileSync(file, 'keep me');
    assert.deepEqual(await probeEndpoint({ kind: 'unix', path: file }), { state: 'not-socket', what: 'file' });
    const dir = path.join(tmp.dir, 'dir.sock');
    fs.mkdirSync(dir);
    assert.deepEqual(await probeEndpoint({ kind: 'unix', path: dir }), { state: 'not-socket', what: 'directory' });
    // Probing changes nothing.
    assert.ok(fs.lstatSync(stale).isSocket());
    assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
  });

  it('tcp and abstract: live and absent', async () => {
    assert.deepEqual(await probeEndpoint({ kind: 'tcp', host: '127.0.0.1', port: tcpPort }), { state: 'live' });
    assert.deepEqual(await probeEndpoint({ kind: 'abstract', name: abstractName }), { state: 'live' });
    assert.deepEqual(await probeEndpoint({ kind: 'abstract', name: uniqueName('none') }), { state: 'absent' });
    const free = await serve({ host: '127.0.0.1', port: 0 });
    const freePort = (free.address() as net.AddressInfo).port;
    await close(free);
    assert.deepEqual(await probeEndpoint({ kind: 'tcp', host: '127.0.0.1', port: freePort }), { state: 'absent' });
  });

  it('connectTransport resolves with a working byte stream', async () => {
    for (const endpoint of [live, { kind: 'tcp', host: '127.0.0.1', port: tcpPort } as const, { kind: 'abstract', name: abstractName } as const]) {
      const socket = await connectTransport(endpoint, { timeoutMs: 2000 });
      const echoed = new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
      socket.write('ping');
      assert.equal(await echoed, 'ping', endpoint.kind);
      socket.destroy();
    }
  });

  it('connectTransport: no server → ERR_NOT_RUNNING with cause', async () => {
    const targets: Endpoint[] = [
      { kind: 'unix', path: path.join(tmp.dir, 'missing.sock') },
      { kind: 'abstract', name: uniqueName('none') },
    ];
    const stale = path.join(tmp.dir, 'stale2.sock');
    await makeStaleSocket(stale);
    targets.push({ kind: 'unix', path: stale });
    for (const endpoint of targets) {
      await assert.rejects(connectTransport(endpoint, { timeoutMs: 2000 }), (err: unknown) => {
        assert.ok(err instanceof ConnectionError);
        assert.equal(err.code, 'ERR_NOT_RUNNING');
        assert.match(err.message, /no server at/);
        assert.ok(['ECONNREFUSED', 'ENOENT'].includes(String((err.cause as NodeJS.ErrnoException).code)));
        assert.ok(err.fixes.some((f) => /start the server/.test(f)));
        assert.ok(err.fixes.some((f) => f.includes('_ENDPOINT')));
        return true;
      });
    }
  });

  it('mapConnectError: EACCES, timeout and other errors', () => {
    const endpoint: Endpoint = { kind: 'unix', path: '/x/y.sock' };
    const eacces = mapConnectError(Object.assign(new Error('EACCES'), { code: 'EACCES' }), endpoint);
    // one code, one class (src/errors.ts): connecting and listening both raise it as an EndpointError
    assert.ok(eacces instanceof EndpointError);
    assert.equal(eacces.code, 'ERR_ENDPOINT_PERMISSION');
    assert.ok(eacces.fixes[0]?.includes('/x/y.sock'));
    const cause = Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
    const timeout = mapConnectError(cause, endpoint, true, 250);
    assert.ok(timeout instanceof TimeoutError);
    assert.equal(timeout.code, 'ERR_TIMEOUT');
    assert.match(timeout.message, /250 ms/);
    assert.equal(timeout.cause, cause);
    const other = mapConnectError(Object.assign(new Error('boom'), { code: 'EPROTO' }), endpoint);
    assert.equal(other.code, 'ERR_CONNECT');
    assert.match(other.message, /EPROTO/);
    assert.ok(other.cause instanceof Error);
  });
});
