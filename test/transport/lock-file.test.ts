import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acquireLock, isLockStillOurs, releaseLock } from '../../src/transport/lock-file.js';
import { isProcessAlive, ownStartTime } from '../../src/util/process-identity.js';
import { tempDir } from '../helpers/names.js';

describe('lock file', () => {
  const tmp = tempDir('swlock');
  after(() => tmp.cleanup());

  it('is created exclusively with mode 0600 and {pid, startedAt, nonce}; released only while ours', async () => {
    const p = path.join(tmp.dir, 'a.sock.lock');
    const first = await acquireLock(p, { timeoutMs: 50 });
    assert.ok(first.ok);
    assert.equal(fs.statSync(p).mode & 0o777, 0o600);
    const content = JSON.parse(fs.readFileSync(p, 'utf8')) as { pid: number; startedAt: number; nonce: string };
    assert.equal(content.pid, process.pid);
    assert.equal(content.startedAt, ownStartTime());
    assert.equal(content.nonce, first.lock.nonce);
    assert.equal(isLockStillOurs(first.lock), true);

    const second = await acquireLock(p, { timeoutMs: 50 });
    assert.deepEqual(second, { ok: false, holderPid: process.pid }, 'held by a live process (us)');

    // Replaced behind our back: not ours any more, and release leaves the other lock alone.
    fs.writeFileSync(p, JSON.stringify({ ...content, nonce: 'someone-else' }));
    assert.equal(isLockStillOurs(first.lock), false);
    releaseLock(first.lock);
    assert.ok(fs.existsSync(p));
    fs.writeFileSync(p, JSON.stringify(content));
    releaseLock(first.lock);
    assert.ok(!fs.existsSync(p));
  });

  it('a lock of this pid with another start time is a previous process (pid reuse) and is broken', async () => {
    const p = path.join(tmp.dir, 'b.sock.lock');
    fs.writeFileSync(p, JSON.stringify({ pid: process.pid, startedAt: ownStartTime() - 3_600_000, nonce: 'old' }));
    assert.equal(isProcessAlive(process.pid, ownStartTime() - 3_600_000), false);
    assert.equal(isProcessAlive(process.pid, ownStartTime()), true);
    const got = await acquireLock(p, { timeoutMs: 50 });
    assert.ok(got.ok);
    releaseLock(got.lock);
    assert.deepEqual(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.stale')), [], 'nothing left aside');
  });

  it('system errors (missing directory) are thrown, not waited on', async () => {
    await assert.rejects(acquireLock(path.join(tmp.dir, 'no', 'such', 'x.lock')), { code: 'ENOENT' });
  });
});
