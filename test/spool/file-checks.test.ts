/**
 * File checks of the durable files (docs/reconnect.md, "File checks"), as this user: entries of
 * our own spool dir that are links, hard links, writable by others (or, as root, owned by another
 * user) are skipped — not read, not deleted — and reported once; the seen log, the inbox and a
 * producer's spool dir are refused when they are links. Cross-user attacks in a shared directory
 * are in test/security/shared-dir-spool.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSidewireError, type SidewireError } from '../../src/errors.js';
import { createServer } from '../../src/server/server.js';
import { toSpoolLine } from '../../src/protocol/durable-message.js';
import { Inbox } from '../../src/server/durable/inbox.js';
import { durablePaths, producerFileName } from '../../src/spool/paths.js';
import { SeenLog } from '../../src/server/durable/seen-log.js';
import { SpoolWriter } from '../../src/client/durable/spool-writer.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { SECOND_USER_SKIP, secondUser } from '../helpers/second-user.js';
import { waitFor } from '../rpc/rpc-harness.js';

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function line(id: string): string {
  return toSpoolLine({ id, method: 'hook.event', params: { id } });
}

function unsafeReason(e: unknown): string | undefined {
  return isSidewireError(e, 'ERR_FILE_UNSAFE') ? String(e.details['reason']) : undefined;
}

describe('file checks in our own spool dir', () => {
  it('a planted link, hard link, group/other-writable or foreign file in the spool dir is skipped, not read, not deleted, reported once', async () => {
    const { dir, cleanup } = tempDir('swf');
    const sock = path.join(dir, 's.sock');
    const spoolDir = `${sock}.spool`;
    fs.mkdirSync(spoolDir, { mode: 0o700 });
    const pid = deadPid();
    const at = (startedAt: number, token: string): string => path.join(spoolDir, producerFileName(pid, startedAt, token));
    const outside = path.join(dir, 'outside.jsonl');
    fs.writeFileSync(outside, line('link.1'), { mode: 0o600 });
    const outsideHard = path.join(dir, 'outside-hard.jsonl');
    fs.writeFileSync(outsideHard, line('hard.1'), { mode: 0o600 });
    const planted = new Map<string, string>(); // path → expected refusal reason
    fs.symlinkSync(outside, at(1000, 'aaaaaa'));
    planted.set(at(1000, 'aaaaaa'), 'symlink');
    fs.writeFileSync(at(1001, 'bbbbbb'), line('mode.1'));
    fs.chmodSync(at(1001, 'bbbbbb'), 0o666);
    planted.set(at(1001, 'bbbbbb'), 'mode');
    fs.linkSync(outsideHard, at(1002, 'cccccc'));
    planted.set(at(1002, 'cccccc'), 'hard-link');
    const tmpLink = `${at(1004, 'dddddd')}.0badcafe.tmp`;
    fs.symlinkSync(outside, tmpLink);
    planted.set(tmpLink, 'symlink');
    if (SECOND_USER_SKIP === undefined) {
      const peer = secondUser();
      fs.writeFileSync(at(1003, 'eeeeee'), line('foreign.1'), { mode: 0o600 });
      fs.chownSync(at(1003, 'eeeeee'), peer.uid, peer.gid);
      planted.set(at(1003, 'eeeeee'), 'foreign-owner');
    }
    fs.writeFileSync(at(2000, 'ffffff'), line('ok.1'), { mode: 0o600 });

    const got: string[] = [];
    const errors: unknown[] = [];
    const server = createServer({ app: uniqueName('f'), endpoint: `unix://${sock}`, env: { XDG_RUNTIME_DIR: dir }, cleanupOnExit: false, durable: { rescanMs: 50 } });
    server.on('error', (err) => errors.push(err));
    server.onNotification('hook.event', (params) => void got.push((params as { id: string }).id));
    await server.listen();
    try {
      await waitFor(() => got.includes('ok.1') && !fs.existsSync(at(2000, 'ffffff')), 20_000, 'the safe file to be delivered and removed');
      await server.durable.scanNow();
      await server.durable.scanNow();
      assert.deepEqual(got, ['ok.1'], 'only the safe file was read');
      for (const p of planted.keys()) assert.ok(fs.lstatSync(p), `${p} was left alone`);
      assert.equal(fs.readFileSync(outside, 'utf8'), line('link.1'));
      assert.equal(fs.readFileSync(outsideHard, 'utf8'), line('hard.1'));
      const refused = errors.filter((e) => isSidewireError(e, 'ERR_FILE_UNSAFE')) as SidewireError[];
      const byPath = new Map<string, string[]>();
      for (const e of refused) byPath.set(String(e.details['path']), [...(byPath.get(String(e.details['path'])) ?? []), unsafeReason(e)!]);
      for (const [p, reason] of planted) assert.deepEqual(byPath.get(p), [reason], `${path.basename(p)} reported once as ${reason}`);
      assert.equal(refused.length, planted.size, 'nothing else reported');
    } finally {
      await server.close({ deadlineMs: 0 });
      cleanup();
    }
  });

  it('the seen log is refused when it is a symbolic link (its target is neither read nor appended to)', async () => {
    const { dir, cleanup } = tempDir('swf');
    try {
      const paths = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 's.sock') }, runtimeDir: dir, name: 'n' });
      fs.mkdirSync(paths.spoolDir, { mode: 0o700 });
      const target = path.join(dir, 'target');
      fs.writeFileSync(target, '"forged"\n', { mode: 0o600 });
      fs.symlinkSync(target, paths.seenFile);
      const log = new SeenLog(paths, 10);
      await assert.rejects(log.load(), (e) => unsafeReason(e) === 'symlink');
      await assert.rejects(log.deliver({ id: 'x', method: 'm' }, { clientId: '', dispatch: async () => undefined }), (e) => unsafeReason(e) === 'symlink');
      assert.equal(fs.readFileSync(target, 'utf8'), '"forged"\n');
    } finally {
      cleanup();
    }
  });

  it('the inbox is refused when it is a hard link to another file, or writable by others', async () => {
    const { dir, cleanup } = tempDir('swf');
    try {
      const target = path.join(dir, 'target');
      fs.writeFileSync(target, 'keep\n', { mode: 0o600 });
      const hard = path.join(dir, 'h.inbox.jsonl');
      fs.linkSync(target, hard);
      await assert.rejects(new Inbox(hard).add('m', 1), (e) => unsafeReason(e) === 'hard-link');
      assert.equal(fs.readFileSync(target, 'utf8'), 'keep\n');
      const open = path.join(dir, 'o.inbox.jsonl');
      fs.writeFileSync(open, '');
      fs.chmodSync(open, 0o622);
      await assert.rejects(new Inbox(open).count(), (e) => unsafeReason(e) === 'mode');
    } finally {
      cleanup();
    }
  });

  it('a producer refuses a spool dir that is a symbolic link: nothing is written where it points', () => {
    const { dir, cleanup } = tempDir('swf');
    try {
      const sock = path.join(dir, 's.sock');
      const elsewhere = path.join(dir, 'elsewhere');
      fs.mkdirSync(elsewhere, { mode: 0o700 });
      fs.symlinkSync(elsewhere, `${sock}.spool`);
      const w = new SpoolWriter(durablePaths({ endpoint: { kind: 'unix', path: sock }, runtimeDir: dir, name: 'n' }));
      assert.throws(() => w.append('m', 1), (e) => unsafeReason(e) === 'symlink');
      assert.deepEqual(fs.readdirSync(elsewhere), []);
    } finally {
      cleanup();
    }
  });
});
