/** `sidewire notify` (plain and --durable) and the reference daemon's inbox, as real processes. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { collect, runCli, spawnCli, waitForOutput, type CliResult } from '../helpers/cli.js';
import { main } from '../../src/cli/run.js';

/** Runs the command in this process (for cases that need no separate process). */
async function inProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('sidewire notify', () => {
  const { dir, cleanup } = tempDir('swn');
  const sock = path.join(dir, 'n.sock');
  const endpoint = `unix://${sock}`;
  const env = { XDG_RUNTIME_DIR: dir };
  const inbox = `${sock}.inbox.jsonl`;
  let server: ChildProcess | undefined;
  after(async () => {
    if (server !== undefined && server.exitCode === null) {
      const done = collect(server);
      server.kill('SIGTERM');
      await done.catch(() => undefined);
    }
    cleanup();
  });

  it('--durable with no server: exits 0 twenty times, each message safely spooled', async () => {
    const results: CliResult[] = [];
    // Four at a time (each is its own process and its own spool file).
    for (let batch = 0; batch < 5; batch++) {
      results.push(...(await Promise.all([1, 2, 3, 4].map((k) => runCli(['notify', 'hook.event', JSON.stringify({ n: batch * 4 + k }), '--durable', '--endpoint', endpoint], env)))));
    }
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^spooled [0-9a-f]{12}\.1 in .*\.jsonl\n$/);
    }
    assert.equal(fs.readdirSync(`${sock}.spool`).filter((n) => n.endsWith('.jsonl')).length, 20);
  });

  it('plain notify with no server exits 3 (in-process)', async () => {
    const r = await inProcess(['notify', 'hook.event', '{}', '--endpoint', endpoint], env);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_NOT_RUNNING/);
  });

  it('then `sidewire serve` delivers them: `call inbox.count` answers 20, with 20 distinct n', async () => {
    server = spawnCli(['serve', '--endpoint', endpoint], env);
    await waitForOutput(server, /listening on/);
    const until = Date.now() + 10_000;
    while (!(fs.existsSync(inbox) && fs.readFileSync(inbox, 'utf8').split('\n').length > 20) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const count = await runCli(['call', 'inbox.count', '--endpoint', endpoint], env);
    assert.equal(count.code, 0, count.stderr);
    assert.equal(count.stdout.trim(), '20');
    const list = await inProcess(['call', 'inbox.list', '{"limit":100}', '--endpoint', endpoint], env);
    const records = JSON.parse(list.stdout) as Array<{ method: string; params: { n: number }; id: string; receivedAt: string }>;
    assert.equal(records.length, 20);
    assert.deepEqual(records.map((r) => r.params.n).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.equal(new Set(records.map((r) => r.id)).size, 20);
    assert.ok(records.every((r) => r.method === 'hook.event' && !Number.isNaN(Date.parse(r.receivedAt))));
    assert.deepEqual(fs.readdirSync(`${sock}.spool`).filter((n) => n.endsWith('.jsonl')), [], 'the spool is empty');
  });

  it('with the server running: durable is delivered at once, plain is delivered (inbox id null)', async () => {
    const durable = await runCli(['notify', 'hook.event', '{"n":21}', '--durable', '--endpoint', endpoint, '--json'], env);
    assert.equal(durable.code, 0, durable.stderr);
    const out = JSON.parse(durable.stdout) as { ok: boolean; delivered: boolean; id: string };
    assert.equal(out.ok, true);
    assert.equal(out.delivered, true);
    const plain = await runCli(['notify', 'plain.event', '[1,2]', '--endpoint', endpoint], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, 'delivered\n');
    const list = await inProcess(['call', 'inbox.list', '{"offset":20}', '--endpoint', endpoint], env);
    const records = JSON.parse(list.stdout) as Array<{ method: string; params: unknown; id: string | null }>;
    assert.deepEqual(records.map((r) => [r.method, r.params, r.id]), [
      ['hook.event', { n: 21 }, out.id],
      ['plain.event', [1, 2], null],
    ]);
  });

  it('bad arguments exit 2 (in-process)', async () => {
    for (const args of [['notify'], ['notify', '$/hello'], ['notify', 'x', '{nope'], ['notify', 'x', '1', '2']]) {
      const r = await inProcess([...args, '--endpoint', endpoint], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
