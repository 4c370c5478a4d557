/**
 * The server's seen-id log on Windows, where a file cannot be renamed over while it is open:
 * compaction must still happen, in a real process (node.exe) on a named pipe.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, serve } from '../dist/index.js';
import { assertWindows, STEP_MS, uniqueApp, waitFor } from './helpers.js';

assertWindows();

describe('win32: durable delivery and the seen-id log', () => {
  const app = uniqueApp();
  const runtimeDir = path.join(process.env['LOCALAPPDATA']!, app);
  after(() => fs.rmSync(runtimeDir, { recursive: true, force: true }));

  it('regression: the seen log is compacted on Windows (rename over the open log gave EPERM, so it grew forever)', async () => {
    const WINDOW = 2;
    const COUNT = 9;
    const got: unknown[] = [];
    const server = await serve({ app, durable: { window: WINDOW }, cleanupOnExit: false });
    server.onNotification('hook.event', (p) => void got.push(p));
    const client = await connect({ app, connectTimeoutMs: STEP_MS });
    try {
      for (let n = 1; n <= COUNT; n++) await client.notify('hook.event', { n }, { durable: true });
      await waitFor(`${COUNT} deliveries`, () => got.length >= COUNT);
      assert.deepEqual(got, Array.from({ length: COUNT }, (_, i) => ({ n: i + 1 })), 'each delivered once, in order');
      const seenFile = path.join(runtimeDir, `${app}.spool`, 'server.seen');
      const lines = fs.readFileSync(seenFile, 'utf8').trim().split('\n');
      assert.ok(lines.length <= 2 * WINDOW, `the seen log holds ${lines.length} ids, at most ${2 * WINDOW} expected after compaction`);
      for (const line of lines) assert.equal(typeof JSON.parse(line), 'string', `one JSON id per line: ${line}`);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
