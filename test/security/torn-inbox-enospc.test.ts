/**
 * A full disk under the inbox (docs/reconnect.md, "Torn lines"): the reference daemon's inbox on
 * a 64 KiB tmpfs; an append that runs out of space half-way must be cut back and answered with an
 * error (never acknowledged), so the next acknowledged message is not glued to a torn line and
 * survives a restart. Needs root (mount); skips otherwise, and always unmounts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installReferenceDaemon, type ReferenceService } from '../../src/cli/reference-daemon.js';
import { isSidewireError } from '../../src/errors.js';
import { createServer, type Server } from '../../src/server/server.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { RawClient } from '../rpc/rpc-harness.js';

const skip = typeof process.getuid !== 'function' || process.getuid() !== 0 ? 'needs root to mount a small tmpfs (run the suite as root to include it)' : false;

/** Fills the filesystem of `dir` with one file until ENOSPC. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = Buffer.alloc(4096, 0x61);
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
}

describe('a full disk under the inbox', { skip }, () => {
  it('regression: torn inbox line (ENOSPC) — the failed append is reported, never acknowledged, and the next acknowledged message survives a restart', async (t) => {
    const mnt = tempDir('swfull');
    const runtime = tempDir('swrt');
    let mounted = false;
    let server: Server<ReferenceService> | undefined;
    let daemon: { stop(): void } | undefined;
    const app = uniqueName('full');
    const sock = path.join(mnt.dir, 'app.sock');
    const errors: unknown[] = [];
    const start = async (): Promise<Server<ReferenceService>> => {
      const s = createServer<ReferenceService>({ app, endpoint: `unix://${sock}`, env: { XDG_RUNTIME_DIR: runtime.dir }, cleanupOnExit: false, durable: { rescanMs: 0 } });
      s.on('error', (err) => errors.push(err));
      daemon = installReferenceDaemon(s, { tickMs: 60_000 });
      return s.listen();
    };
    const stop = async (): Promise<void> => {
      daemon?.stop();
      await server?.close({ deadlineMs: 0 });
      server = undefined;
    };
    try {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt.dir], { stdio: 'pipe' });
        mounted = true;
      } catch (err) {
        t.skip(`cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
        return;
      }
      const inbox = `${sock}.inbox.jsonl`;
      server = await start();
      const c = await RawClient.connect(sock);
      try {
        const first = await c.request('$/durable', { messages: [{ id: 'e.1', method: 'hook.event', params: { n: 1 } }] }, 1);
        assert.deepEqual(first.result, { delivered: 1, duplicates: 0 });
        fillDisk(path.join(mnt.dir, 'filler'));
        // Larger than what is left in the inbox's last page: part of it is written, then ENOSPC.
        const failed = await c.request('$/durable', { messages: [{ id: 'e.2', method: 'hook.event', params: { pad: 'x'.repeat(9000) } }] }, 2);
        assert.equal(failed.error?.code, -32603, `not acknowledged: ${JSON.stringify(failed)}`);
        const reported = errors.find((e) => isSidewireError(e, 'ERR_SPOOL'));
        assert.ok(reported !== undefined && isSidewireError(reported) && reported.details['errno'] === 'ENOSPC', 'the failed append was reported as ERR_SPOOL (ENOSPC)');
        assert.ok(fs.readFileSync(inbox, 'utf8').endsWith('\n'), 'the torn part was cut back');
        fs.rmSync(path.join(mnt.dir, 'filler'));
        const third = await c.request('$/durable', { messages: [{ id: 'e.3', method: 'hook.event', params: { n: 3 } }] }, 3);
        assert.deepEqual(third.result, { delivered: 1, duplicates: 0 }, 'acknowledged');
      } finally {
        c.close();
      }
      await stop();
      for (const line of fs.readFileSync(inbox, 'utf8').split('\n').filter((l) => l !== '')) JSON.parse(line); // nothing glued
      server = await start(); // a restart reads the inbox again
      const again = await RawClient.connect(sock);
      try {
        const list = await again.request('inbox.list', { limit: 1000 }, 1);
        assert.deepEqual((list.result as Array<{ id: string }>).map((r) => r.id), ['e.1', 'e.3']);
      } finally {
        again.close();
      }
    } finally {
      await stop();
      if (mounted) {
        try {
          execFileSync('umount', [mnt.dir], { stdio: 'pipe' });
        } catch {
          execFileSync('umount', ['-l', mnt.dir], { stdio: 'pipe' }); // busy: detach it anyway, never leave it mounted
        }
      }
      mnt.cleanup();
      runtime.cleanup();
    }
  });
});
