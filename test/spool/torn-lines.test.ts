/**
 * Torn lines (docs/reconnect.md, "Torn lines"): an append that fails half-way (ENOSPC) is cut
 * back and reported, never acknowledged; a torn tail left by a crash is cut before the next
 * append; the next acknowledged record is never glued to a torn one. Injected failing writes for
 * the inbox and a producer's spool file, a crash tail for the seen log, and a property over random
 * failure points. The real full disk (tmpfs) is in test/security/torn-inbox-enospc.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { AppendLog, type AppendWrite, type AppendWriteSync } from '../../src/spool/append-log.js';
import { Inbox } from '../../src/server/durable/inbox.js';
import { durablePaths } from '../../src/spool/paths.js';
import { SeenLog } from '../../src/server/durable/seen-log.js';
import { SpoolWriter } from '../../src/client/durable/spool-writer.js';
import { tempDir } from '../helpers/names.js';

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** A write that, while `failing` is on, writes only the first `part` bytes and then fails like a full disk. */
function fillingDisk(part: number): { write: AppendWrite; failing: { on: boolean } } {
  const failing = { on: false };
  const write: AppendWrite = async (fh, data, offset, length) => {
    if (!failing.on) return (await fh.write(data, offset, length, null)).bytesWritten;
    const room = Math.min(part, length);
    if (room > 0 && offset === 0) return (await fh.write(data, offset, room, null)).bytesWritten;
    throw enospc();
  };
  return { write, failing };
}

function linesOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), `${file} ends with a complete line: ${JSON.stringify(text.slice(-40))}`);
  return text.split('\n').filter((l) => l !== '');
}

describe('torn lines', () => {
  it('regression: a torn inbox line (ENOSPC half-way) no longer swallows the next acknowledged message', async () => {
    const { dir, cleanup } = tempDir('swt');
    try {
      const file = path.join(dir, 'x.inbox.jsonl');
      const disk = fillingDisk(25);
      const inbox = new Inbox(file, { write: disk.write });
      await inbox.deliver({ id: 'a.1', method: 'hook.event', params: { n: 1 } });
      disk.failing.on = true;
      await assert.rejects(inbox.deliver({ id: 'a.2', method: 'hook.event', params: { n: 2, pad: 'x'.repeat(200) } }), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, 'ERR_SPOOL');
        assert.equal(e.details?.['errno'], 'ENOSPC');
        return true;
      });
      disk.failing.on = false;
      await inbox.deliver({ id: 'a.3', method: 'hook.event', params: { n: 3 } }); // acknowledged
      await inbox.close();
      for (const line of linesOf(file)) JSON.parse(line); // every line parses: nothing glued
      const again = new Inbox(file); // a restart
      assert.deepEqual(await again.load(), ['a.1', 'a.3']);
      assert.deepEqual((await again.list()).map((r) => r.id), ['a.1', 'a.3']);
      await again.close();
    } finally {
      cleanup();
    }
  });

  it('a torn tail left by a crash is cut when the inbox opens; the next record starts on its own line', async () => {
    const { dir, cleanup } = tempDir('swt');
    try {
      const file = path.join(dir, 'x.inbox.jsonl');
      fs.writeFileSync(file, '{"method":"m","params":1,"id":"k.1","receivedAt":"2026-01-01T00:00:00.000Z"}\n{"method":"m","par', { mode: 0o600 });
      const inbox = new Inbox(file);
      assert.equal(await inbox.count(), 1);
      await inbox.deliver({ id: 'k.2', method: 'm', params: 2 });
      await inbox.close();
      assert.deepEqual(linesOf(file).map((l) => (JSON.parse(l) as { id: string }).id), ['k.1', 'k.2']);
    } finally {
      cleanup();
    }
  });

  it('the seen log cuts a torn tail before its next append (the torn id was never handed to a handler)', async () => {
    const { dir, cleanup } = tempDir('swt');
    try {
      const paths = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 's.sock') }, runtimeDir: dir, name: 'n' });
      fs.mkdirSync(paths.spoolDir, { mode: 0o700 });
      fs.writeFileSync(paths.seenFile, '"a"\n"b', { mode: 0o600 });
      const log = new SeenLog(paths, 10);
      assert.deepEqual(await log.load(), ['a']);
      let dispatched = 0;
      await log.deliver({ id: 'c', method: 'm' }, { clientId: '', dispatch: async () => void dispatched++ });
      await log.close();
      assert.equal(dispatched, 1);
      assert.deepEqual(linesOf(paths.seenFile), ['"a"', '"c"']);
    } finally {
      cleanup();
    }
  });

  it("a producer's failed append (ENOSPC half-way) is cut back: the next message is intact", () => {
    const { dir, cleanup } = tempDir('swt');
    try {
      const paths = durablePaths({ endpoint: { kind: 'unix', path: path.join(dir, 's.sock') }, runtimeDir: dir, name: 'n' });
      let failing = false;
      const write: AppendWriteSync = (fd, data, offset, length) => {
        if (!failing) return fs.writeSync(fd, data, offset, length, null);
        if (offset === 0) return fs.writeSync(fd, data, 0, Math.min(10, length), null);
        throw enospc();
      };
      const w = new SpoolWriter(paths, {}, write);
      const first = w.append('m', { n: 1 });
      failing = true;
      assert.throws(() => w.append('m', { n: 2 }), { code: 'ERR_SPOOL' });
      failing = false;
      const third = w.append('m', { n: 3 });
      assert.deepEqual(w.read().map((m) => m.id), [first.id, third.id]);
      assert.equal(linesOf(w.file).length, 2);
      // A tail torn by a crash (the process died mid-write) is cut before the next append too.
      fs.appendFileSync(w.file, '{"id":"torn","meth');
      const fourth = w.append('m', { n: 4 });
      assert.deepEqual(w.read().map((m) => m.id), [first.id, third.id, fourth.id]);
      assert.equal(linesOf(w.file).length, 3);
    } finally {
      cleanup();
    }
  });

  it('property: whatever appends fail and wherever, the file holds exactly the acknowledged lines, in order', async () => {
    const { dir, cleanup } = tempDir('swt');
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ size: fc.integer({ min: 1, max: 300 }), failAt: fc.option(fc.integer({ min: 0, max: 299 }), { nil: undefined }) }), { minLength: 1, maxLength: 12 }),
          async (ops) => {
            const file = path.join(dir, `p${run++}.jsonl`);
            let failAt: number | undefined;
            let written = 0;
            const write: AppendWrite = async (fh, data, offset, length) => {
              const room = failAt === undefined ? length : Math.min(length, failAt - written);
              if (room <= 0) throw enospc();
              const { bytesWritten } = await fh.write(data, offset, room, null);
              written += bytesWritten;
              return bytesWritten;
            };
            const log = new AppendLog(file, write);
            const acked: string[] = [];
            for (const [i, op] of ops.entries()) {
              const line = JSON.stringify({ i, pad: 'x'.repeat(op.size) });
              failAt = op.failAt;
              written = 0;
              try {
                await log.append(Buffer.from(line + '\n'));
                acked.push(line);
              } catch (err) {
                assert.equal((err as { code?: string }).code, 'ENOSPC');
              }
            }
            await log.close();
            assert.deepEqual(linesOf(file), acked);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      cleanup();
    }
  });
});
