/**
 * Another user's files beside a socket in a shared directory (docs/reconnect.md, "File checks"):
 * the reference daemon (root) listens on `unix://<shared 1777 dir>/app.sock`; a second,
 * unprivileged user plants `app.sock.spool/` and `app.sock.inbox.jsonl` before it starts. The
 * server must neither ingest forged messages, nor delete files through a link, nor append to a
 * file a link points at — it refuses with ERR_FILE_UNSAFE, reports it once, and keeps serving.
 * Needs root (to create the second user); skips otherwise.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installReferenceDaemon, type ReferenceService } from '../../src/cli/reference-daemon.js';
import { isSidewireError, type SidewireError } from '../../src/errors.js';
import { createServer, type Server } from '../../src/server/server.js';
import { toSpoolLine } from '../../src/protocol/durable-message.js';
import { producerFileName } from '../../src/spool/paths.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { SECOND_USER_SKIP, secondUser, shAs, sharedDir, type SecondUser } from '../helpers/second-user.js';
import { RawClient, waitFor } from '../rpc/rpc-harness.js';

const skip = SECOND_USER_SKIP ?? false;

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Single-quotes a value for sh -c. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Daemon {
  readonly server: Server<ReferenceService>;
  readonly sock: string;
  readonly errors: unknown[];
  /** ERR_FILE_UNSAFE errors reported for `p`. */
  refusals(p: string): SidewireError[];
  stop(): Promise<void>;
}

/** The reference daemon on `unix://<dir>/app.sock` (its runtime dir is private). */
async function startDaemon(dir: string): Promise<Daemon> {
  const runtime = tempDir('swrt');
  const sock = path.join(dir, 'app.sock');
  const server = createServer<ReferenceService>({ app: uniqueName('sec'), endpoint: `unix://${sock}`, env: { XDG_RUNTIME_DIR: runtime.dir }, cleanupOnExit: false, durable: { rescanMs: 50 } });
  const errors: unknown[] = [];
  server.on('error', (err) => errors.push(err));
  const daemon = installReferenceDaemon(server, { tickMs: 60_000 });
  await server.listen();
  return {
    server,
    sock,
    errors,
    refusals: (p) => errors.filter((e): e is SidewireError => isSidewireError(e, 'ERR_FILE_UNSAFE') && e.details['path'] === p),
    async stop() {
      daemon.stop();
      await server.close({ deadlineMs: 0 });
      runtime.cleanup();
    },
  };
}

async function plant(user: SecondUser, command: string): Promise<void> {
  const r = await shAs(user, `set -e; umask 000; ${command}`);
  assert.equal(r.code, 0, `planting as ${user.name} failed: ${r.stderr}`);
}

describe('another user\'s files beside a socket in a shared directory', { skip }, () => {
  let peer: SecondUser;
  let shared: { dir: string; remove: () => void };
  let daemon: Daemon | undefined;
  before(() => {
    peer = secondUser();
  });
  const fresh = (): string => {
    shared = sharedDir('swsec');
    return shared.dir;
  };
  after(async () => {
    await daemon?.stop();
    shared?.remove();
  });
  const finish = async (): Promise<void> => {
    await daemon?.stop();
    daemon = undefined;
    shared.remove();
  };

  it('regression: a spool dir planted by another user (0777) is not ingested — forged messages never reach the inbox', async () => {
    const dir = fresh();
    const spool = path.join(dir, 'app.sock.spool');
    const forged = path.join(spool, producerFileName(deadPid(), 1000, 'abcdef'));
    const forgedLine = toSpoolLine({ id: 'forged.1', method: 'hook.event', params: { forged: true } });
    await plant(peer, `mkdir -m 0777 ${q(spool)}; printf '%s' ${q(forgedLine)} > ${q(forged)}`);
    daemon = await startDaemon(dir);
    try {
      await waitFor(() => daemon!.refusals(spool).length > 0 || !fs.existsSync(forged), 20_000, 'the planted spool dir to be refused');
      assert.equal(fs.existsSync(forged), true, 'the planted file was ingested and deleted');
      assert.equal(daemon.refusals(spool)[0]!.details['reason'], 'foreign-owner');
      await daemon.server.durable.scanNow();
      await daemon.server.durable.scanNow();
      const c = await RawClient.connect(daemon.sock);
      try {
        // Still serving, and durable messages sent on the wire still land in the inbox.
        const ack = await c.request('$/durable', { messages: [{ id: 'real.1', method: 'hook.event', params: { real: true } }] }, 1);
        assert.deepEqual(ack.result, { delivered: 1, duplicates: 0 });
        const list = await c.request('inbox.list', { limit: 1000 }, 2);
        assert.deepEqual((list.result as Array<{ id: string }>).map((r) => r.id), ['real.1'], 'no forged message in the inbox');
      } finally {
        c.close();
      }
      assert.equal(fs.readFileSync(forged, 'utf8'), forgedLine, 'the planted file is neither read away nor deleted');
      assert.equal(daemon.refusals(spool).length, 1, 'reported once, not at every rescan');
    } finally {
      await finish();
    }
  });

  it('regression: a spool dir that is a symbolic link to a directory with p*.jsonl files: those files are not deleted', async () => {
    const dir = fresh();
    const victim = tempDir('swvictim'); // root's private dir
    try {
      const victimFile = path.join(victim.dir, producerFileName(deadPid(), 1000, 'abcdef'));
      const content = toSpoolLine({ id: 'victim.1', method: 'hook.event', params: { n: 1 } });
      fs.writeFileSync(victimFile, content, { mode: 0o600 });
      const spool = path.join(dir, 'app.sock.spool');
      await plant(peer, `ln -s ${q(victim.dir)} ${q(spool)}`);
      daemon = await startDaemon(dir);
      await waitFor(() => daemon!.refusals(spool).length > 0 || !fs.existsSync(victimFile), 20_000, 'the linked spool dir to be refused');
      assert.equal(fs.existsSync(victimFile), true, 'the file where the link points was deleted');
      assert.equal(daemon.refusals(spool)[0]!.details['reason'], 'symlink');
      await daemon.server.durable.scanNow();
      assert.equal(fs.readFileSync(victimFile, 'utf8'), content, 'the file where the link points is still there');
      const c = await RawClient.connect(daemon.sock);
      try {
        assert.equal((await c.request('inbox.count', undefined, 1)).result, 0, 'and was not ingested');
      } finally {
        c.close();
      }
    } finally {
      await finish();
      victim.cleanup();
    }
  });

  it('regression: inbox.jsonl planted as a symbolic link to a root-owned file: the file is not appended to; ERR_FILE_UNSAFE is reported and the server keeps serving', async () => {
    const dir = fresh();
    const secret = tempDir('swsecret');
    try {
      const target = path.join(secret.dir, 'root-only');
      fs.writeFileSync(target, 'root data\n', { mode: 0o600 });
      const inbox = path.join(dir, 'app.sock.inbox.jsonl');
      await plant(peer, `ln -s ${q(target)} ${q(inbox)}`);
      daemon = await startDaemon(dir);
      const c = await RawClient.connect(daemon.sock);
      try {
        c.send({ jsonrpc: '2.0', method: 'note.plain', params: { n: 1 } });
        const durable = await c.request('$/durable', { messages: [{ id: 'd.1', method: 'note.durable', params: { n: 2 } }] }, 1);
        assert.equal(durable.error?.code, -32603, 'not acknowledged: it stays in the sender\'s spool');
        await waitFor(() => daemon!.refusals(inbox).length >= 2, 20_000, 'both refusals reported');
        for (const e of daemon.refusals(inbox)) assert.equal(e.details['reason'], 'symlink');
        assert.match(daemon.refusals(inbox)[0]!.message, /app\.sock\.inbox\.jsonl.*symbolic link/);
        assert.deepEqual((await c.request('echo', { still: 'serving' }, 2)).result, { still: 'serving' });
      } finally {
        c.close();
      }
      assert.equal(fs.readFileSync(target, 'utf8'), 'root data\n', 'root\'s file is untouched');
      assert.equal(fs.lstatSync(inbox).isSymbolicLink(), true, 'the link is left for its owner to remove');
    } finally {
      await finish();
      secret.cleanup();
    }
  });

  it('an inbox file planted by another user (forged records, 0666) is neither read nor appended to', async () => {
    const dir = fresh();
    const inbox = path.join(dir, 'app.sock.inbox.jsonl');
    const forged = JSON.stringify({ method: 'hook.event', params: { forged: true }, id: 'real.1', receivedAt: '2026-01-01T00:00:00.000Z' }) + '\n';
    await plant(peer, `printf '%s' ${q(forged)} > ${q(inbox)}`);
    daemon = await startDaemon(dir);
    try {
      const c = await RawClient.connect(daemon.sock);
      try {
        const count = await c.request('inbox.count', undefined, 1);
        assert.equal(count.error?.code, -32603, 'the forged inbox is not read');
        const durable = await c.request('$/durable', { messages: [{ id: 'real.1', method: 'hook.event' }] }, 2);
        assert.equal(durable.error?.code, -32603, 'a forged id does not make a real message a "duplicate"');
      } finally {
        c.close();
      }
      assert.equal(fs.readFileSync(inbox, 'utf8'), forged);
      assert.ok(daemon.refusals(inbox).length >= 1);
      assert.equal(daemon.refusals(inbox)[0]!.details['reason'], 'foreign-owner');
    } finally {
      await finish();
    }
  });
});
