/**
 * Durable notifications on Windows: `sidewire notify --durable` while no daemon runs spools each
 * message under %LOCALAPPDATA%\<app>\<name>.spool; `sidewire serve` then replays them into its inbox
 * exactly once, and `sidewire stop` ends it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collect, runCli, spawnCli, waitForOutput, type CliResult } from '../test/helpers/cli.js';
import { assertWindows, STEP_MS, uniqueApp, waitFor } from './helpers.js';

assertWindows();

describe('win32: durable spool while the daemon is down, then replay', () => {
  const app = uniqueApp();
  const runtimeDir = path.join(process.env['LOCALAPPDATA']!, app);
  const spoolDir = path.join(runtimeDir, `${app}.spool`);
  const inbox = path.join(runtimeDir, `${app}.inbox.jsonl`);
  const COUNT = 4;
  let server: ChildProcess | undefined;
  after(() => {
    if (server !== undefined && server.exitCode === null) server.kill();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  it(`notify --durable with no daemon exits 0 ${COUNT} times, each spooled under %LOCALAPPDATA%`, async () => {
    const results: CliResult[] = [];
    for (let batch = 0; batch < COUNT / 2; batch++) {
      results.push(...(await Promise.all([1, 2].map((k) => runCli(['notify', 'hook.event', JSON.stringify({ n: batch * 2 + k }), '--durable', '--app', app], {}, STEP_MS)))));
    }
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      const file = /^spooled [0-9a-f]{12}\.1 in (.*\.jsonl)\r?\n$/.exec(r.stdout)?.[1];
      assert.ok(file !== undefined, r.stdout);
      assert.equal(path.dirname(file), spoolDir);
    }
    assert.equal(fs.readdirSync(spoolDir).filter((n) => n.endsWith('.jsonl')).length, COUNT);
  });

  it('plain notify with no daemon exits 3 (not running)', async () => {
    const r = await runCli(['notify', 'hook.event', '{}', '--app', app], {}, STEP_MS);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /ERR_NOT_RUNNING/);
  });

  it(`serve replays them: inbox.count is ${COUNT}, each n once; stop exits 0`, async () => {
    server = spawnCli(['serve', '--app', app]);
    await waitForOutput(server, /pid file: .*\n/, STEP_MS);
    const exited = collect(server, 3 * STEP_MS);
    await waitFor(`${COUNT} lines in the inbox`, () => fs.existsSync(inbox) && fs.readFileSync(inbox, 'utf8').trim().split('\n').length >= COUNT);
    const count = await runCli(['call', 'inbox.list', '{"limit":100}', '--app', app], {}, STEP_MS);
    assert.equal(count.code, 0, count.stderr);
    const records = JSON.parse(count.stdout) as Array<{ method: string; params: { n: number } }>;
    assert.deepEqual(records.map((m) => m.params.n).sort(), Array.from({ length: COUNT }, (_, i) => i + 1));
    assert.ok(records.every((m) => m.method === 'hook.event'));
    const stop = await runCli(['stop', '--app', app], {}, 2 * STEP_MS);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await exited).code, 0);
  });
});
