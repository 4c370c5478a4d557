import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { isSidewireError } from '../../src/errors.js';
import { connectTransport } from '../../src/transport/connect.js';
import { listen } from '../../src/transport/listen.js';
import { readDiscovery } from '../../src/transport/discovery.js';
import type { Listener } from '../../src/transport/types.js';
import { tempDir, uniqueName } from '../helpers/names.js';

function code(expected: string) {
  return (err: unknown): boolean => {
    assert.ok(isSidewireError(err), String(err));
    assert.equal(err.code, expected, err.message);
    return true;
  };
}

function portOf(l: Listener): number {
  assert.equal(l.endpoint.kind, 'tcp');
  return l.endpoint.kind === 'tcp' ? l.endpoint.port : -1;
}

/** A free port number, with the port after it free too (best effort, for fallback tests). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as net.AddressInfo).port;
    const next = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false));
      next.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => s.close(() => resolve()));
    if (ok) await new Promise<void>((resolve) => next.close(() => resolve()));
    if (ok && port < 65535) return port;
  }
  throw new Error('no free port pair');
}

describe('tcp and abstract listeners', () => {
  const tmp = tempDir('swtcp');
  const open: Listener[] = [];
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    tmp.cleanup();
  });

  it('port 0 picks a free port, published with the token; clients connect', async () => {
    const l = await listen({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: 0 }, runtimeDir: tmp.dir, name: 'p0' });
    open.push(l);
    const port = portOf(l);
    assert.ok(port > 0 && port < 65536);
    assert.equal(readDiscovery(`${tmp.dir}/p0.json`)?.endpoint, `tcp://127.0.0.1:${port}`);
    l.on('connection', (s) => s.pipe(s));
    const c = await connectTransport(l.endpoint, { timeoutMs: 2000 });
    const echoed = new Promise<string>((resolve) => c.once('data', (d) => resolve(String(d))));
    c.write('x');
    assert.equal(await echoed, 'x');
    c.destroy();
  });

  it('a busy fixed port fails with ERR_ENDPOINT_IN_USE; portFallback publishes the next one', async () => {
    const port = await freePortPair();
    const first = await listen({ endpoint: { kind: 'tcp', host: '127.0.0.1', port }, runtimeDir: tmp.dir, name: 'fixed' });
    open.push(first);
    assert.equal(portOf(first), port);
    await assert.rejects(listen({ endpoint: { kind: 'tcp', host: '127.0.0.1', port }, runtimeDir: tmp.dir, name: 'fixed2' }), (err: unknown) => {
      code('ERR_ENDPOINT_IN_USE')(err);
      assert.ok(isSidewireError(err));
      assert.ok(err.fixes.some((f) => f.includes('tcp://127.0.0.1:0')));
      assert.ok(err.fixes.some((f) => f.includes('portFallback')));
      return true;
    });
    const warnings: string[] = [];
    const second = await listen({
      endpoint: { kind: 'tcp', host: '127.0.0.1', port },
      runtimeDir: tmp.dir,
      name: 'fallback',
      portFallback: 3,
      onWarning: (m) => warnings.push(m),
    });
    open.push(second);
    assert.equal(portOf(second), port + 1);
    assert.equal(readDiscovery(`${tmp.dir}/fallback.json`)?.endpoint, `tcp://127.0.0.1:${port + 1}`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`port ${port} was busy`));
  });

  it('a non-loopback host needs allowRemote; with it a warning is emitted', async () => {
    await assert.rejects(listen({ endpoint: { kind: 'tcp', host: '0.0.0.0', port: 0 }, runtimeDir: tmp.dir, name: 'r' }), code('ERR_ENDPOINT_REMOTE'));
    const warnings: string[] = [];
    const l = await listen({
      endpoint: { kind: 'tcp', host: '0.0.0.0', port: 0 },
      runtimeDir: tmp.dir,
      name: 'r',
      allowRemote: true,
      onWarning: (m) => warnings.push(m),
    });
    open.push(l);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /reachable from other machines/);
    assert.match(String(l.token), /^[0-9a-f]{64}$/);
  });

  it('abstract: a second listener on the name fails with ERR_ENDPOINT_IN_USE naming the pid; the name frees on close', async () => {
    const endpoint = { kind: 'abstract', name: uniqueName('swabs') } as const;
    const first = await listen({ endpoint, runtimeDir: tmp.dir, name: 'abs' });
    await assert.rejects(listen({ endpoint, runtimeDir: tmp.dir, name: 'abs2' }), (err: unknown) => {
      code('ERR_ENDPOINT_IN_USE')(err);
      assert.ok(isSidewireError(err));
      assert.equal(err.details['pid'], process.pid, 'found through the first listener\'s discovery file');
      return true;
    });
    first.on('connection', (s) => s.end('abs'));
    const c = await connectTransport(endpoint, { timeoutMs: 2000 });
    assert.equal(await new Promise<string>((resolve) => c.once('data', (d) => resolve(String(d)))), 'abs');
    c.destroy();
    await first.close();
    const again = await listen({ endpoint, runtimeDir: tmp.dir, name: 'abs' });
    await again.close();
  });

  it('an endpoint kind this platform lacks is refused (ERR_ENDPOINT_PLATFORM)', async () => {
    const { platformPreset } = await import('../../src/platform/detect.js');
    await assert.rejects(
      listen({ endpoint: { kind: 'abstract', name: 'x' }, runtimeDir: tmp.dir, name: 'plat', platform: platformPreset('darwin') }),
      code('ERR_ENDPOINT_PLATFORM'),
    );
    await assert.rejects(
      listen({ endpoint: { kind: 'pipe', name: 'x' }, runtimeDir: tmp.dir, name: 'plat', platform: platformPreset('linux') }),
      code('ERR_ENDPOINT_PLATFORM'),
    );
  });
});
