/**
 * Short-lived producers (hooks) while no server runs: 100 processes each spool one durable
 * notification and exit; the server then delivers exactly 100 distinct messages. Again with the
 * server killed mid-replay: nothing lost, nothing delivered twice, per-producer order kept.
 *
 * The producer fixture is bundled once with esbuild (tsx's own compiler) so 100 processes start
 * in a few seconds instead of a minute. Deadlines fit a busy 2-core machine, where starting a
 * Node.js process takes many times as long: this file takes 25 s idle, ~95 s at load average 16.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { connect } from '../../src/client/client.js';
import type { InboxRecord } from '../../src/server/durable/inbox.js';
import { tempDir } from '../helpers/names.js';
import { ResilienceServer } from '../fixtures/resilience-child.js';
import { waitFor } from '../rpc/rpc-harness.js';

const producerSource = fileURLToPath(new URL('../fixtures/resilience-producer.ts', import.meta.url));

/** Runs `jobs` with at most `limit` at a time. */
async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** Deadline of each test: its 100 producer processes and a server or two, on a loaded machine. */
const TEST_TIMEOUT_MS = 240_000;
/** Deadline of one producer process, of a server start, of one delivery phase. */
const STEP_MS = 60_000;
/** Producer processes started at once: more only slows each one down on 2 cores. */
const PRODUCERS_AT_ONCE = 4;

function inboxLines(file: string): InboxRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as InboxRecord);
}

describe('short-lived producers and the server that delivers their spool', () => {
  const { dir: buildDir, cleanup: cleanBuild } = tempDir('swbuild');
  const bundle = path.join(buildDir, 'producer.mjs');
  const servers: ResilienceServer[] = [];
  before(async () => {
    await build({ entryPoints: [producerSource], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'error' });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    cleanBuild();
  });

  /** Runs one producer process to completion (STEP_MS watchdog). */
  const produce = (env: Record<string, string>, config: object): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bundle, JSON.stringify(config)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`producer hung: ${out}`));
      }, STEP_MS);
      // 'close', not 'exit': the output may still be in the pipe when the process exits.
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });

  it('100 processes, one durable notification each, no server: then the server delivers exactly 100 distinct messages', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { dir, cleanup } = tempDir('swp');
    const endpoint = `unix://${path.join(dir, 'p.sock')}`;
    const env = { XDG_RUNTIME_DIR: dir };
    try {
      const results = await pool(Array.from({ length: 100 }, (_, i) => () => produce(env, { endpoint, producer: i + 1 })), PRODUCERS_AT_ONCE);
      for (const r of results) assert.deepEqual(r, { code: 0, out: 'spooled\n' });
      assert.equal(fs.readdirSync(`${path.join(dir, 'p.sock')}.spool`).length, 100, 'one spool file per producer');

      const server = await ResilienceServer.start({ endpoint, app: 'resilience' }, env, STEP_MS);
      servers.push(server);
      const client = await connect({ endpoint, env, app: 'resilience' });
      try {
        await waitFor(() => inboxLines(`${path.join(dir, 'p.sock')}.inbox.jsonl`).length >= 100, STEP_MS, '100 deliveries');
        assert.equal(await client.call('inbox.count'), 100);
        const records = (await client.call('inbox.list', { limit: 1000 })) as InboxRecord[];
        assert.equal(records.length, 100);
        assert.equal(new Set(records.map((r) => r.id)).size, 100, 'distinct ids');
        assert.deepEqual(new Set(records.map((r) => (r.params as { producer: number }).producer)).size, 100);
        await waitFor(() => fs.readdirSync(`${path.join(dir, 'p.sock')}.spool`).every((n) => !n.endsWith('.jsonl')), STEP_MS, 'spool files removed');
      } finally {
        await client.close();
        await server.kill();
      }
    } finally {
      cleanup();
    }
  });

  it('the server killed mid-replay: after a restart every message is delivered exactly once, in per-producer order', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { dir, cleanup } = tempDir('swp');
    const sock = path.join(dir, 'q.sock');
    const endpoint = `unix://${sock}`;
    const env = { XDG_RUNTIME_DIR: dir };
    const inbox = `${sock}.inbox.jsonl`;
    try {
      // 20 producers × 5 messages.
      const results = await pool(Array.from({ length: 20 }, (_, i) => () => produce(env, { endpoint, producer: i + 1, count: 5 })), PRODUCERS_AT_ONCE);
      for (const r of results) assert.equal(r.code, 0, r.out);

      // Deliveries are one at a time, 50 ms each: after the 10th, the kill has 4.5 s to land.
      const slow = await ResilienceServer.start({ endpoint, app: 'resilience', inboxDelayMs: 50 }, env, STEP_MS);
      servers.push(slow);
      await waitFor(() => inboxLines(inbox).length >= 10, STEP_MS, 'replay under way');
      await slow.kill();
      const before = inboxLines(inbox).length;
      assert.ok(before < 100, `killed mid-replay (${before} of 100 delivered)`);

      const server = await ResilienceServer.start({ endpoint, app: 'resilience' }, env, STEP_MS);
      servers.push(server);
      await waitFor(() => inboxLines(inbox).length >= 100, STEP_MS, 'all 100 after the restart');
      // Replay is over once every spool file is gone: a message delivered twice would be in the inbox now.
      await waitFor(() => fs.readdirSync(`${sock}.spool`).every((n) => !n.endsWith('.jsonl')), STEP_MS, 'spool files removed');
      const records = inboxLines(inbox);
      assert.equal(records.length, 100, 'none twice');
      assert.equal(new Set(records.map((r) => r.id)).size, 100, 'none lost');
      const byProducer = new Map<number, number[]>();
      for (const r of records) {
        const p = r.params as { producer: number; seq: number };
        byProducer.set(p.producer, [...(byProducer.get(p.producer) ?? []), p.seq]);
      }
      assert.equal(byProducer.size, 20);
      for (const [producer, seqs] of byProducer) assert.deepEqual(seqs, [1, 2, 3, 4, 5], `producer ${producer} in order`);
      await server.kill();
    } finally {
      cleanup();
    }
  });
});
