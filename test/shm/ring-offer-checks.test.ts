/**
 * What a receiver checks before it maps a peer's ring (docs/shared-memory.md, "Checks"), in one
 * process: the files it must refuse (a disk file, an unsealed memfd, one without F_SEAL_SEAL, a
 * hugetlb memfd, a FIFO), the one sentence every refusal of a file reads, and no ring over TCP,
 * where the kernel cannot say who the peer is. Each check is seen twice: which one fired
 * (`openOfferedRing`, with this process as the peer) and what a client is told over a real socket.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, unlinkSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { connect } from '../../src/client/client.js';
import { serve } from '../../src/server/server.js';
import { shmNative, shmUnavailable, type ShmNative } from '../../src/transport/shm/native.js';
import { socketPeerCredentials } from '../../src/transport/shm/peer-credentials.js';
import {
  F_SEAL_GROW,
  F_SEAL_SEAL,
  F_SEAL_SHRINK,
  HUGETLBFS_MAGIC,
  NO_PEER_CREDENTIALS,
  RING_REFUSED,
  TMPFS_MAGIC,
  fileSystemProblem,
  openOfferedRing,
  sealedEnough,
  type RingCheck,
} from '../../src/transport/shm/ring-offer.js';
import { BinaryRawClient } from '../rpc/binary-raw-client.js';
import { startServer, type TestServer } from '../rpc/rpc-harness.js';
import { tempDir } from '../helpers/names.js';

const MiB = 1024 * 1024;
const KEY = 'aa'.repeat(16);
const ALL_SEALS = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

describe('ring offer checks', { skip: shmUnavailable() !== undefined && `native helper not available here: ${shmUnavailable()}` }, () => {
  let native: ShmNative;
  let t: TestServer;
  const opened = new Set<number>();
  const self = (): { pid: number; uid: number; gid: number } => ({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
  before(async () => {
    native = shmNative()!;
    t = await startServer();
  });
  after(async () => {
    for (const fd of opened) closeSync(fd);
    await t.cleanup();
  });

  /** Keeps `fd` open until the end; its offer as this process's descriptor. */
  const offerOf = (fd: number, bytes = MiB, key = KEY): { path: string; bytes: number; key: string } => {
    opened.add(fd);
    return { path: `/proc/${process.pid}/fd/${fd}`, bytes, key };
  };
  /** Which check refuses `offer` with this process as the peer ('accepted' when none does). */
  const failure = (offer: unknown): RingCheck | 'accepted' => {
    const r = openOfferedRing(native, offer, self());
    if ('refused' in r) return r.failure;
    closeSync(r.fd);
    return 'accepted';
  };
  /** The server's answer to `offer` over a real socket. */
  const hello = async (offer: unknown): Promise<{ accepted: boolean; reason?: string }> => {
    const raw = await BinaryRawClient.connect(t.path);
    try {
      const reply = (await raw.request('$/hello', { protocol: 1, shm: offer })) as { result: { shm: { accepted: boolean; reason?: string } } };
      return reply.result.shm;
    } finally {
      raw.close();
    }
  };
  it('the right file, a sealed memfd of the announced size and key, is accepted', async () => {
    const fd = native.createSealed(MiB);
    writeSync(fd, Buffer.from(KEY, 'hex'), 0, 16, 0);
    const offer = offerOf(fd);
    assert.equal(failure(offer), 'accepted');
    assert.equal((await hello(offer)).accepted, true);
  });

  it('regression: a plain disk file is refused (F_GET_SEALS says -1 for it, and -1 & F_SEAL_SHRINK was truthy)', async () => {
    const { dir, cleanup } = tempDir('ring');
    try {
      const file = path.join(dir, 'disk-ring');
      const fd = openSync(file, 'w+', 0o600);
      ftruncateSync(fd, MiB);
      writeSync(fd, Buffer.from(KEY, 'hex'), 0, 16, 0);
      unlinkSync(file);
      assert.equal(native.seals(fd), -1, 'a file that cannot be sealed');
      assert.equal(sealedEnough(-1), false);
      const offer = offerOf(fd);
      assert.notEqual(failure(offer), 'accepted');
      const r = await hello(offer);
      assert.equal(r.accepted, false);
      assert.equal(r.reason, RING_REFUSED);
    } finally {
      cleanup();
    }
  });

  it('an unsealed memfd is refused', async () => {
    const fd = native.createMemfd(MiB, 0, false);
    writeSync(fd, Buffer.from(KEY, 'hex'), 0, 16, 0);
    const offer = offerOf(fd);
    assert.equal(failure(offer), 'seals');
    assert.equal((await hello(offer)).reason, RING_REFUSED);
  });

  it('regression: a memfd sealed against shrinking but without F_SEAL_SEAL is refused', async () => {
    const fd = native.createMemfd(MiB, F_SEAL_SHRINK | F_SEAL_GROW, false);
    writeSync(fd, Buffer.from(KEY, 'hex'), 0, 16, 0);
    const offer = offerOf(fd);
    assert.equal(native.seals(fd) & F_SEAL_SHRINK, F_SEAL_SHRINK);
    assert.equal(failure(offer), 'seals');
    const r = await hello(offer);
    assert.equal(r.accepted, false);
    assert.equal(r.reason, RING_REFUSED);
  });

  it('regression: a hugetlb memfd is refused (a punched hole in it faults with SIGBUS)', async (ctx) => {
    let fd: number;
    try {
      fd = native.createMemfd(2 * MiB, ALL_SEALS, true);
    } catch (err) {
      ctx.skip(`cannot make a hugetlb memfd here (${(err as Error).message}); the file-system test below covers the check`);
      return;
    }
    assert.equal(native.fsType(fd), HUGETLBFS_MAGIC);
    const offer = offerOf(fd, 2 * MiB, KEY); // no key: hugetlbfs has no write(2), and the check comes first anyway
    assert.equal(failure(offer), 'hugetlbfs');
    assert.equal((await hello(offer)).reason, RING_REFUSED);
  });

  it('the file-system check takes tmpfs only: never hugetlbfs, a disk, or an unknown (-1) type', () => {
    const fd = native.createSealed(MiB);
    try {
      assert.equal(native.fsType(fd), TMPFS_MAGIC, 'a memfd is on tmpfs');
    } finally {
      closeSync(fd);
    }
    assert.equal(fileSystemProblem(TMPFS_MAGIC), undefined);
    assert.equal(fileSystemProblem(HUGETLBFS_MAGIC), 'hugetlbfs');
    assert.equal(fileSystemProblem(0xef53), 'file-system');
    assert.equal(fileSystemProblem(-1), 'file-system');
    assert.equal(sealedEnough(ALL_SEALS), true);
    assert.equal(sealedEnough(F_SEAL_SHRINK | F_SEAL_SEAL), true);
    assert.equal(sealedEnough(F_SEAL_SHRINK | F_SEAL_GROW), false);
    assert.equal(sealedEnough(F_SEAL_SEAL), false, 'what a tmpfs file that is not a memfd reports');
  });

  it('regression: every refusal of a file reads the same, whatever was wrong with it (nothing about it leaks)', async () => {
    const good = native.createSealed(MiB);
    writeSync(good, Buffer.from(KEY, 'hex'), 0, 16, 0);
    const fifo = path.join(t.dir, 'fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const fifoFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const cases: Array<[unknown, RingCheck]> = [
      [offerOf(good, 2 * MiB), 'size'],
      [offerOf(good, MiB, '00'.repeat(16)), 'key'],
      [{ path: `/proc/${process.pid}/fd/99999`, bytes: MiB, key: KEY }, 'open'],
      [offerOf(fifoFd), 'not-regular'],
    ];
    for (const [offer, check] of cases) {
      assert.equal(failure(offer), check);
      const r = await hello(offer);
      assert.equal(r.accepted, false);
      assert.equal(r.reason, RING_REFUSED, `the words for a failed ${check} check`);
    }
  });

  it('regression: over TCP, where the kernel cannot say who the peer is, no ring is opened', async () => {
    const { dir, cleanup } = tempDir('tcp');
    const server = await serve({ app: 'ringtcp', endpoint: 'tcp://127.0.0.1:0', env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, requireToken: false });
    server.method('echo', (p) => p);
    try {
      const client = await connect({ endpoint: server.endpoint, env: { XDG_RUNTIME_DIR: dir }, app: 'ringtcp', reconnect: false });
      try {
        assert.equal(client.serverInfo?.shm?.accepted, false);
        assert.equal(client.serverInfo?.shm?.reason, NO_PEER_CREDENTIALS);
        const d = Buffer.alloc(MiB, 3);
        assert.ok(((await client.call('echo', { d })) as { d: Buffer }).d.equals(d), 'frames go over the socket');
        assert.equal(client.sharedMemory?.incoming, false, 'nor does the client open the server\'s ring');
      } finally {
        await client.close();
      }
    } finally {
      await server.close({ deadlineMs: 200 });
      cleanup();
    }
  });

  it('the peer of a unix socket is known to the kernel; of a TCP socket it is not', async () => {
    const tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => tcp.once('connection', resolve));
    const c = net.connect((tcp.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      assert.equal(socketPeerCredentials(native, await accepted), undefined);
    } finally {
      c.destroy();
      tcp.close();
    }
    const raw = await BinaryRawClient.connect(t.path);
    try {
      assert.deepEqual(socketPeerCredentials(native, raw.socket), self(), 'the server end, as the kernel reports it');
    } finally {
      raw.close();
    }
  });
});
