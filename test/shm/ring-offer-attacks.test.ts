/**
 * Ring offers meant to hurt the side that maps them (docs/shared-memory.md, "Checks"), each with
 * the victim in a child process so that a SIGBUS shows as the child's death instead of killing the
 * test run: a disk file truncated after the offer, the server's own descriptors, another user
 * pointing a root server at files only root can open, and a fake server pointing `sidewire call`
 * at a disk file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINARY_PREFACE, encodeFrame } from '../../src/framing/length-prefix.js';
import { decodeMsgpack, encodeMsgpack } from '../../src/framing/msgpack.js';
import { shmUnavailable } from '../../src/transport/shm/native.js';
import { NOT_THE_PEERS_OWN, RING_REFUSED } from '../../src/transport/shm/ring-offer.js';
import { BinaryRawClient } from '../rpc/binary-raw-client.js';
import { collect, spawnCli } from '../helpers/cli.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { SECOND_USER_SKIP, runAs, secondUser, sharedDir } from '../helpers/second-user.js';

const MiB = 1024 * 1024;
const KEY = 'aa'.repeat(16);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface ChildServer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** A sealed 1 MiB memfd of the server's own, key aa…aa. */
  readonly ownFd: number;
  stop(): Promise<void>;
}

/** A sidewire server in a child process (test/shm/fixtures/ring-server-child.ts), once it listens. */
async function startChildServer(endpoint: string, runtimeDir: string): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('ring-server-child.ts'), endpoint, runtimeDir], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<{ pid: number; ownFd: number }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(JSON.parse(stdout.split('\n')[0]!) as { pid: number; ownFd: number });
    });
    child.once('exit', (code, signal) => reject(new Error(`the server child exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  return {
    child,
    ...ready,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The `shm` answer to a `$/hello` with `offer`, from a fresh connection to `socketPath`. */
async function hello(socketPath: string, offer: unknown): Promise<{ accepted: boolean; reason?: string }> {
  const raw = await BinaryRawClient.connect(socketPath);
  try {
    const reply = (await raw.request('$/hello', { protocol: 1, shm: offer }, 1)) as { result: { shm: { accepted: boolean; reason?: string } } };
    return reply.result.shm;
  } finally {
    raw.close();
  }
}

/** A 1 MiB file on the disk (not tmpfs) starting with KEY, open and already unlinked. */
function diskRing(dir: string): number {
  const file = path.join(dir, uniqueName('disk'));
  const fd = openSync(file, 'w+', 0o600);
  ftruncateSync(fd, MiB);
  writeSync(fd, Buffer.from(KEY, 'hex'), 0, 16, 0);
  unlinkSync(file);
  return fd;
}

describe('ring offers against the side that maps them', { skip: shmUnavailable() !== undefined && `native helper not available here: ${shmUnavailable()}` }, () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChildServer;
  let socketPath: string;
  before(async () => {
    ({ dir, cleanup } = tempDir('ringatk'));
    socketPath = path.join(dir, 's.sock');
    server = await startChildServer(`unix://${socketPath}`, dir);
  });
  after(async () => {
    await server.stop();
    cleanup();
  });

  it('regression: a plain disk file offered as a ring is refused, and truncating it cannot kill the server with SIGBUS', async () => {
    const fd = diskRing(dir);
    const raw = await BinaryRawClient.connect(socketPath);
    try {
      const reply = (await raw.request('$/hello', { protocol: 1, shm: { path: `/proc/${process.pid}/fd/${fd}`, bytes: MiB, key: KEY } })) as {
        result: { shm: { accepted: boolean; reason?: string } };
      };
      assert.equal(reply.result.shm.accepted, false);
      assert.equal(reply.result.shm.reason, RING_REFUSED);
      ftruncateSync(fd, 0); // what the attacker does next: a mapping of it would now fault
      raw.sendRaw(Buffer.from('ffffffff0000004000001000', 'hex')); // "read 4 KiB at offset 64 of my ring"
      const answer = (await raw.nextFrame(15_000))?.value as { error?: { code: number } } | undefined;
      assert.equal(answer?.error?.code, -32004, 'an indirect frame without a ring is refused');
    } finally {
      raw.close();
      closeSync(fd);
    }
    const ping = await BinaryRawClient.connect(socketPath);
    try {
      assert.ok(((await ping.request('$/ping', undefined, 2)) as { result?: unknown }).result !== undefined, 'the server still answers');
    } finally {
      ping.close();
    }
    assert.equal(server.child.signalCode, null, 'the server was not killed');
  });

  it('regression: an offer of the server\'s own descriptors is refused, and the words do not tell whether one exists or its size', async () => {
    const own = `/proc/${server.pid}/fd/${server.ownFd}`;
    const replies = [
      await hello(socketPath, { path: own, bytes: MiB, key: KEY }), // a valid sealed memfd, key included
      await hello(socketPath, { path: own, bytes: 2 * MiB, key: KEY }), // the same with the wrong size
      await hello(socketPath, { path: `/proc/${server.pid}/fd/99999`, bytes: MiB, key: KEY }), // none
    ];
    for (const r of replies) {
      assert.equal(r.accepted, false);
      assert.equal(r.reason, NOT_THE_PEERS_OWN);
    }
    const self = [
      await hello(socketPath, { path: `/proc/self/fd/${server.ownFd}`, bytes: MiB, key: KEY }),
      await hello(socketPath, { path: '/proc/self/fd/99999', bytes: MiB, key: KEY }),
    ];
    assert.equal(self[0]!.accepted, false);
    assert.equal(self[0]!.reason, self[1]!.reason, '/proc/self: the same words for an existing and a missing descriptor');
    assert.doesNotMatch(self[0]!.reason!, new RegExp(`${server.ownFd}|1048576`));
  });

  it('regression: another user, over an abstract socket, cannot make a root server open what only root can; every refusal reads the same', { skip: SECOND_USER_SKIP }, async () => {
    const user = secondUser();
    const name = uniqueName('ringx');
    const abstract = await startChildServer(`unix:@${name}`, dir);
    const shared = sharedDir('ringx');
    try {
      const secret = path.join(shared.dir, 'root-only');
      writeFileSync(secret, Buffer.concat([Buffer.from(KEY, 'hex'), Buffer.alloc(MiB - 16)]), { mode: 0o600 });
      const offers = [
        { path: `{opath:${secret}}`, bytes: MiB, key: KEY }, // a root-only file the size and key of a ring
        { path: `{opath:${secret}}`, bytes: 2 * MiB, key: KEY }, // its size is not this
        { path: '/proc/{self}/fd/99999', bytes: MiB, key: KEY }, // no such descriptor
        { path: `/proc/${abstract.pid}/fd/${abstract.ownFd}`, bytes: MiB, key: KEY }, // root's own ring file
      ];
      const r = await runAs(user, process.execPath, ['--import', 'tsx', fixture('ring-offer-client.ts'), `@${name}`, JSON.stringify(offers)], { cwd: root });
      assert.equal(r.code, 0, r.stderr);
      const replies = JSON.parse(r.stdout.trim()) as Array<{ accepted: boolean; reason?: string }>;
      assert.deepEqual(
        replies.map((x) => [x.accepted, x.reason]),
        [
          [false, RING_REFUSED],
          [false, RING_REFUSED],
          [false, RING_REFUSED],
          [false, NOT_THE_PEERS_OWN],
        ],
      );
    } finally {
      shared.remove();
      await abstract.stop();
    }
  });

  it('regression: a fake server offering a disk file to `sidewire call` is refused by the client, which keeps working (no SIGBUS)', async () => {
    const fd = diskRing(dir);
    const fakePath = path.join(dir, 'fake.sock');
    let releasedByClient = false;
    const fake = net.createServer((socket) => {
      socket.write(BINARY_PREFACE);
      let buf = Buffer.alloc(0);
      let prefaceSeen = false;
      let helloDone = false;
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (!prefaceSeen) {
          if (buf.length < 4) return;
          buf = buf.subarray(4);
          prefaceSeen = true;
        }
        while (buf.length >= 4) {
          const header = buf.readUInt32BE(0);
          if (header === 0xffff_fffe) {
            if (buf.length < 8) return;
            buf = buf.subarray(8);
            // The client mapped the file: truncate it and point at it, as the attacker would.
            releasedByClient = true;
            ftruncateSync(fd, 0);
            socket.write(Buffer.from('ffffffff0000004000001000', 'hex'));
            continue;
          }
          if (buf.length < 4 + header) return;
          const decoded = decodeMsgpack(buf.subarray(4, 4 + header));
          buf = buf.subarray(4 + header);
          const msg = (decoded.ok ? decoded.value : {}) as { id?: number; method?: string; params?: unknown };
          if (msg.method === '$/hello' && !helloDone) {
            helloDone = true;
            const ring = { path: `/proc/${process.pid}/fd/${fd}`, bytes: MiB, key: KEY };
            const result = { protocol: 1, clientId: 'c1', pid: process.pid, ppid: process.ppid, server: { name: 'fake', version: '0' }, capabilities: {}, shm: { accepted: false, reason: 'no', ring } };
            socket.write(encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: msg.id, result })));
          } else if (msg.id !== undefined) {
            socket.write(encodeFrame(encodeMsgpack({ jsonrpc: '2.0', id: msg.id, result: msg.params ?? null })));
          }
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(fakePath, resolve));
    try {
      const cli = spawnCli(['call', 'echo', '{"still":"working"}', '--endpoint', `unix://${fakePath}`, '--timeout', '15000'], { XDG_RUNTIME_DIR: dir });
      const signal = new Promise<NodeJS.Signals | null>((resolve) => cli.once('exit', (_code, sig) => resolve(sig)));
      const result = await collect(cli, 60_000);
      assert.equal(await signal, null, `the client was not killed by a signal (stderr: ${result.stderr})`);
      assert.equal(releasedByClient, false, 'the client did not map the fake server\'s disk file');
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { still: 'working' });
    } finally {
      fake.close();
      closeSync(fd);
    }
  });
});
