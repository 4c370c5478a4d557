/**
 * The shared-memory side channel of binary mode (docs/shared-memory.md) over real sockets: large
 * frames through the rings both ways, in order with small ones, waiting for room and spilling over
 * to the socket, turned off on either side, bad offers refused, no file left behind, and a client
 * in a child process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, ftruncateSync, openSync, readdirSync, readlinkSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect, createClient } from '../../src/client/client.js';
import type { ClientOptions } from '../../src/client/client-options.js';
import { shmNative, shmUnavailable } from '../../src/transport/shm/native.js';
import { RING_REFUSED } from '../../src/transport/shm/ring-offer.js';
import { OutgoingRing } from '../../src/transport/shm/shared-ring.js';
import { BinaryRawClient } from '../rpc/binary-raw-client.js';
import { startServer, waitFor, type TestServer } from '../rpc/rpc-harness.js';

const MiB = 1024 * 1024;
const available = shmUnavailable() === undefined;

/** On Linux the helper must be there (npm install builds it): a missing build fails here instead of skipping silently. */
it('the native helper is available on Linux unless turned off', { skip: process.platform !== 'linux' || process.env['SIDEWIRE_SHM'] === '0' }, () => {
  assert.equal(shmUnavailable(), undefined);
});

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Open descriptors of this process (client and server both live here) that are ring files. */
function ringDescriptors(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('sidewire-ring')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

/** Files in /dev/shm that look like rings (there should never be any: rings are memfds). */
function ringFilesInDevShm(): string[] {
  return readdirSync('/dev/shm').filter((f) => f.startsWith('sidewire-ring'));
}

describe('shared-memory side channel', { skip: !available && 'native helper not available here' }, () => {
  let t: TestServer;
  const received: Array<{ seq: number; hash: string; bytes: number }> = [];
  before(async () => {
    t = await startServer();
    t.server.method('echo', (p) => p);
    t.server.method('count', () => received.length);
    t.server.onNotification('blob', (p) => {
      const { seq, d } = p as { seq: number; d: Buffer };
      received.push({ seq, hash: sha(d), bytes: d.length });
    });
  });
  after(async () => {
    await t.cleanup();
  });

  const options = (extra: ClientOptions = {}): ClientOptions => ({ endpoint: t.endpoint, env: t.env, app: t.app, reconnect: false, ...extra });

  it('is negotiated in $/hello: both rings in use, the server advertises it', async () => {
    const client = await connect(options());
    try {
      assert.equal(client.serverInfo?.capabilities['sharedMemory'], true);
      assert.equal(client.serverInfo?.shm?.accepted, true);
      assert.ok(client.serverInfo?.shm?.ring, 'the server offers its own ring');
      await waitFor(() => client.sharedMemory?.incoming === true);
      assert.equal(client.sharedMemory?.outgoing, 'on');
    } finally {
      await client.close();
    }
  });

  it('large notifications go through the ring, arrive intact and in order with small calls', async () => {
    received.length = 0;
    const client = await connect(options());
    try {
      const blobs = Array.from({ length: 24 }, (_, i) => randomBytes(i % 2 === 0 ? MiB : 100 * 1024 + i));
      for (let i = 0; i < blobs.length; i++) client.notify('blob', { seq: i, d: blobs[i]! });
      assert.equal(await client.call('count'), blobs.length, 'a small call sent after them is answered after all of them');
      assert.deepEqual(received.map((r) => r.seq), blobs.map((_, i) => i));
      assert.deepEqual(received.map((r) => r.hash), blobs.map(sha));
      const s = client.sharedMemory!;
      assert.equal(s.sentViaRing, blobs.length);
      assert.equal(client.bufferedBytes, 0);
    } finally {
      await client.close();
    }
  });

  it('a large reply comes back through the server\'s ring', async () => {
    const client = await connect(options());
    try {
      await waitFor(() => client.sharedMemory?.incoming === true);
      const d = randomBytes(3 * MiB);
      const reply = (await client.call('echo', { d })) as { d: Buffer };
      assert.ok(Buffer.isBuffer(reply.d) && reply.d.equals(d));
      assert.equal(client.sharedMemory?.receivedViaRing, 1);
      const small = (await client.call('echo', { d: Buffer.from('x') })) as { d: Buffer };
      assert.equal(small.d.toString(), 'x');
      assert.equal(client.sharedMemory?.receivedViaRing, 1, 'small replies stay on the socket');
    } finally {
      await client.close();
    }
  });

  it('when the ring is full, frames wait for room (in order) instead of failing', async () => {
    received.length = 0;
    const client = await connect(options({ sharedMemory: { ringBytes: 2 * MiB } }));
    try {
      const blob = randomBytes(600 * 1024);
      for (let i = 0; i < 10; i++) client.notify('blob', { seq: i, d: blob }); // one turn: no release can arrive meanwhile
      assert.ok(client.bufferedBytes > 0, 'frames wait for the server to release room');
      assert.equal(await client.call('count'), 10);
      assert.deepEqual(received.map((r) => r.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.ok(received.every((r) => r.hash === sha(blob)));
      const s = client.sharedMemory!;
      assert.ok(s.waitedForRoom > 0, 'some frames waited');
      assert.ok(s.sentViaRing >= 3, `the ring carried ${s.sentViaRing}`);
    } finally {
      await client.close();
    }
  });

  it('a sender more than a ring ahead spills the waiting frames to the socket, still in order', async () => {
    received.length = 0;
    const client = await connect(options({ sharedMemory: { ringBytes: MiB } }));
    try {
      const blob = randomBytes(300 * 1024);
      for (let i = 0; i < 40; i++) client.notify('blob', { seq: i, d: blob });
      assert.equal(await client.call('count'), 40);
      assert.deepEqual(received.map((r) => r.seq), Array.from({ length: 40 }, (_, i) => i));
      assert.ok(received.every((r) => r.bytes === blob.length && r.hash === sha(blob)));
      assert.ok(client.sharedMemory!.sentViaRing < 40, 'not everything went through the ring');
    } finally {
      await client.close();
    }
  });

  it('a payload bigger than the ring goes over the socket', async () => {
    const client = await connect(options({ sharedMemory: { ringBytes: MiB } }));
    try {
      const d = randomBytes(2 * MiB);
      const reply = (await client.call('echo', { d })) as { d: Buffer };
      assert.ok(reply.d.equals(d));
      assert.equal(client.sharedMemory?.sentViaRing, 0);
    } finally {
      await client.close();
    }
  });

  it('sharedMemory: false on the client: no offer, frames over the socket', async () => {
    const client = await connect(options({ sharedMemory: false }));
    try {
      assert.equal(client.sharedMemory, undefined);
      assert.equal(client.serverInfo?.shm, undefined);
      const d = randomBytes(MiB);
      assert.ok(((await client.call('echo', { d })) as { d: Buffer }).d.equals(d));
    } finally {
      await client.close();
    }
  });

  it('a bad sharedMemory option fails at createClient time with ERR_INVALID_ARGUMENT', () => {
    assert.throws(() => createClient(options({ sharedMemory: { ringBytes: 1000 } })), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => createClient(options({ sharedMemory: { minFrameBytes: 10 } })), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => createClient(options({ sharedMemory: 'yes' as never })), { code: 'ERR_INVALID_ARGUMENT' });
  });

  it('a ring file is a sealed memfd, 0600, owned by this user, with no name in any directory', () => {
    const ring = OutgoingRing.create(shmNative()!, MiB);
    try {
      const st = statSync(ring.offer.path); // through /proc/<pid>/fd/<fd>, while the descriptor is open
      assert.equal(st.mode & 0o777, 0o600);
      assert.equal(st.uid, process.getuid!());
      assert.equal(st.size, MiB);
      assert.match(readlinkSync(ring.offer.path), /^\/memfd:sidewire-ring/);
      assert.equal(shmNative()!.seals(Number(ring.offer.path.split('/').pop())) & 0b111, 0b111, 'shrink, grow and seal seals');
      assert.deepEqual(ringFilesInDevShm(), []);
    } finally {
      ring.close();
    }
  });

  it('after the handshake no ring holds a file descriptor, in the client or the server', async () => {
    const before = ringDescriptors();
    const client = await connect(options());
    try {
      await waitFor(() => client.sharedMemory?.incoming === true);
      const d = randomBytes(MiB);
      assert.ok(((await client.call('echo', { d })) as { d: Buffer }).d.equals(d));
      assert.equal(client.sharedMemory?.sentViaRing, 1);
      assert.equal(client.sharedMemory?.receivedViaRing, 1);
      await waitFor(() => ringDescriptors() === before, 2000, 'ring descriptors closed');
    } finally {
      await client.close();
    }
    assert.deepEqual(ringFilesInDevShm(), []);
  });

  it('a client in another process uses it too', async () => {
    const script = `
      import { connect } from ${JSON.stringify(new URL('../../src/client/client.ts', import.meta.url).href)};
      const client = await connect(${JSON.stringify(options())});
      const d = Buffer.alloc(1024 * 1024, 7);
      for (let i = 0; i < 8; i++) client.notify('blob', { seq: 1000 + i, d });
      await client.call('count');
      console.log(JSON.stringify(client.sharedMemory));
      await client.close();`;
    received.length = 0;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 0, stderr);
    const s = JSON.parse(stdout.trim().split('\n').pop()!) as { sentViaRing: number; outgoing: string };
    assert.equal(s.outgoing, 'on');
    assert.equal(s.sentViaRing, 8);
    assert.deepEqual(received.map((x) => x.seq), [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
  });
});

describe('shared-memory offers the server refuses', { skip: !available && 'native helper not available here' }, () => {
  let t: TestServer;
  let off: TestServer;
  /** A sealed ring file as a client would make it (key aa…aa), and the same without seals. */
  let file: { path: string; fd: number };
  let unsealed: { path: string; fd: number };
  before(async () => {
    t = await startServer();
    off = await startServer({ sharedMemory: false });
    off.server.method('echo', (p) => p);
    const fd = shmNative()!.createSealed(MiB);
    writeSync(fd, Buffer.alloc(16, 0xaa), 0, 16, 0);
    file = { path: `/proc/${process.pid}/fd/${fd}`, fd };
    const path = `/dev/shm/sidewire-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    const plain = openSync(path, 'w+', 0o600);
    ftruncateSync(plain, MiB);
    writeSync(plain, Buffer.alloc(16, 0xaa), 0, 16, 0);
    unlinkSync(path);
    unsealed = { path: `/proc/${process.pid}/fd/${plain}`, fd: plain };
  });
  after(async () => {
    closeSync(file.fd);
    closeSync(unsealed.fd);
    await t.cleanup();
    await off.cleanup();
  });

  async function hello(server: TestServer, shm: unknown): Promise<{ accepted: boolean; reason?: string }> {
    const raw = await BinaryRawClient.connect(server.path);
    try {
      const reply = (await raw.request('$/hello', { protocol: 1, shm })) as { result: { shm: { accepted: boolean; reason?: string } } };
      return reply.result.shm;
    } finally {
      raw.close();
    }
  }

  it('a file whose first bytes are not the announced key', async () => {
    const r = await hello(t, { path: file.path, bytes: MiB, key: '00'.repeat(16) });
    assert.equal(r.accepted, false);
    assert.equal(r.reason, RING_REFUSED);
  });

  it('a file that is not sealed against shrinking (truncating it later would crash the mapper with SIGBUS)', async () => {
    const r = await hello(t, { path: unsealed.path, bytes: MiB, key: 'aa'.repeat(16) });
    assert.equal(r.accepted, false);
    assert.equal(r.reason, RING_REFUSED);
  });

  it('a ring cannot be truncated or grown by its own maker', () => {
    assert.throws(() => ftruncateSync(file.fd, 4096), { code: 'EPERM' });
    assert.throws(() => ftruncateSync(file.fd, 2 * MiB), { code: 'EPERM' });
  });

  it('a size that is not the file\'s', async () => {
    const r = await hello(t, { path: file.path, bytes: 2 * MiB, key: 'aa'.repeat(16) });
    assert.equal(r.accepted, false);
    assert.equal(r.reason, RING_REFUSED);
  });

  it('a path that is not /proc/<pid>/fd/<fd>, or a descriptor that does not exist', async () => {
    assert.match((await hello(t, { path: '/etc/passwd', bytes: MiB, key: 'aa'.repeat(16) })).reason!, /\/proc\/<pid>\/fd\/<fd>/);
    assert.equal((await hello(t, { path: `/proc/${process.pid}/fd/99999`, bytes: MiB, key: 'aa'.repeat(16) })).reason, RING_REFUSED);
    assert.match((await hello(t, 'nope')).reason!, /must be an object/);
  });

  it('regression: a FIFO offered as a ring is refused at once instead of blocking the server in open()', async () => {
    const fifo = `${t.dir}/not-a-ring`;
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // only a reader: a blocking open of it waits for a writer
    try {
      const r = await hello(t, { path: `/proc/${process.pid}/fd/${fd}`, bytes: MiB, key: 'aa'.repeat(16) });
      assert.equal(r.accepted, false);
      assert.equal(r.reason, RING_REFUSED);
    } finally {
      closeSync(fd);
    }
  });

  it('the right file is accepted (the same check the client\'s offer passes)', async () => {
    const r = await hello(t, { path: file.path, bytes: MiB, key: 'aa'.repeat(16) });
    assert.equal(r.accepted, true);
  });

  it('a server with sharedMemory: false refuses every offer and says so', async () => {
    const r = await hello(off, { path: file.path, bytes: MiB, key: 'aa'.repeat(16) });
    assert.equal(r.accepted, false);
    assert.match(r.reason!, /sharedMemory: false/);
    const client = await connect({ endpoint: off.endpoint, env: off.env, app: off.app, reconnect: false });
    try {
      assert.equal(client.serverInfo?.capabilities['sharedMemory'], false);
      assert.equal(client.sharedMemory?.outgoing, 'off');
      const d = randomBytes(MiB);
      assert.ok(((await client.call('echo', { d })) as { d: Buffer }).d.equals(d));
    } finally {
      await client.close();
    }
  });

  it('an indirect frame on a connection without a ring is a frame over the limit (-32004), then the end', async () => {
    const raw = await BinaryRawClient.connect(t.path);
    await raw.request('$/hello', { protocol: 1 });
    raw.sendRaw(Buffer.from('ffffffff000000400000000a', 'hex'));
    const err = (await raw.next()) as { error: { code: number } };
    assert.equal(err.error.code, -32004);
    assert.equal(await raw.nextFrame(), undefined, 'then the server closes');
  });
});
