/** The reconnect schedule: pure backoff maths, and a client driven by a simulated clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectionError } from '../../src/errors.js';
import { backoffDelay, baseDelay, resolveBackoff } from '../../src/client/backoff.js';
import { createClient } from '../../src/client/client.js';
import type { ClientStatus } from '../../src/client/client-status.js';
import { tempDir } from '../helpers/names.js';
import { FakeClock, settle } from '../fixtures/resilience-clock.js';

const notRunning = (): Promise<never> =>
  Promise.reject(new ConnectionError('ERR_NOT_RUNNING', 'no server (simulated)', { fixes: ['start it'] }));

describe('backoff schedule', () => {
  it('defaults: 100 ms, ×2, capped at 5 s, 10 attempts, ±20 % jitter', () => {
    const p = resolveBackoff(undefined);
    assert.deepEqual(
      Array.from({ length: 10 }, (_, i) => baseDelay(i + 1, p)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000],
    );
    assert.equal(p.maxAttempts, 10);
    assert.equal(backoffDelay(3, { ...p, random: () => 0 }), 320); // 400 × 0.8
    assert.equal(backoffDelay(3, { ...p, random: () => 0.5 }), 400);
    assert.equal(backoffDelay(3, { ...p, random: () => 0.999999 }), 480); // 400 × 1.2
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(7, p);
      assert.ok(d >= 4000 && d <= 6000, `jittered delay ${d} within ±20 % of 5000`);
    }
  });

  it('is configurable; false means no reconnect; bad values are refused', () => {
    const p = resolveBackoff({ initialDelayMs: 10, factor: 3, maxDelayMs: 100, jitter: 0, maxAttempts: Infinity });
    assert.deepEqual([1, 2, 3, 4].map((a) => baseDelay(a, p)), [10, 30, 90, 100]);
    assert.equal(p.maxAttempts, Infinity);
    assert.equal(resolveBackoff(false).maxAttempts, 0);
    assert.throws(() => resolveBackoff({ factor: 0.5 }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => resolveBackoff({ jitter: 2 }), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => resolveBackoff({ initialDelayMs: -1 }), { code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('client reconnect schedule (simulated clock)', () => {
  it('waits 100, 200, 400 … 5000 ms between attempts, then fails after 10 attempts; waiting calls fail with ERR_CLIENT_FAILED', async () => {
    const clock = new FakeClock();
    const { dir, cleanup } = tempDir('swb');
    let attempts = 0;
    const client = createClient({
      endpoint: `unix://${path.join(dir, 'x.sock')}`,
      env: { XDG_RUNTIME_DIR: dir },
      timers: clock,
      reconnect: { random: () => 0.5 },
      queue: { timeoutMs: 0 },
      callTimeoutMs: 0,
      transportFactory: () => {
        attempts++;
        return notRunning();
      },
    });
    try {
      const seen: ClientStatus[] = [];
      client.on('status', (s) => seen.push(s));
      const call = client.call('echo', 1).then(() => 'resolved', (e: unknown) => (e as { code?: string }).code);
      await settle();
      assert.equal(attempts, 1, 'the first attempt runs at once');
      assert.equal(client.state, 'reconnecting');
      const expected = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000];
      for (const [i, delay] of expected.entries()) {
        const status = client.currentStatus;
        assert.equal(status.state, 'reconnecting');
        if (status.state === 'reconnecting') {
          assert.equal(status.attempt, i + 1);
          assert.equal(status.delayMs, delay);
          assert.equal(status.maxAttempts, 10);
          assert.equal(status.reason.code, 'ERR_NOT_RUNNING');
        }
        await clock.advance(delay - 1);
        assert.equal(attempts, i + 1, `attempt ${i + 1} not before ${delay} ms`);
        await clock.advance(1);
        assert.equal(attempts, i + 2, `attempt ${i + 1} after ${delay} ms`);
      }
      assert.equal(client.state, 'failed');
      const failed = client.currentStatus;
      assert.ok(failed.state === 'failed' && failed.attempts === 10 && failed.reason.code === 'ERR_NOT_RUNNING');
      assert.equal(await call, 'ERR_CLIENT_FAILED');
      await assert.rejects(client.call('echo', 2), { code: 'ERR_CLIENT_FAILED' });
      assert.equal(clock.pendingCount, 0, 'no timer left behind');
      assert.deepEqual(
        seen.filter((s) => s.state === 'reconnecting').map((s) => (s.state === 'reconnecting' ? s.delayMs : 0)),
        expected,
      );
      assert.deepEqual([...new Set(seen.map((s) => s.state))], ['reconnecting', 'connecting', 'failed']); // 'connecting' #0 came before the listener
    } finally {
      await client.close();
      cleanup();
    }
  });

  it('status() is an async iterable that starts with the current state and ends at failed', async () => {
    const clock = new FakeClock();
    const client = createClient({
      endpoint: 'tcp://127.0.0.1:9',
      timers: clock,
      reconnect: { maxAttempts: 2, jitter: 0 },
      transportFactory: notRunning,
    });
    const states: string[] = [];
    const done = (async () => {
      for await (const s of client.status()) states.push(s.state === 'reconnecting' ? `reconnecting#${s.attempt}@${s.delayMs}` : s.state);
    })();
    await clock.advance(100);
    await clock.advance(200);
    await done;
    assert.deepEqual(states, ['connecting', 'reconnecting#1@100', 'connecting', 'reconnecting#2@200', 'connecting', 'failed']);
  });

  it('a configuration error fails at once instead of retrying', async () => {
    const clock = new FakeClock();
    const client = createClient({ endpoint: 'unix:relative.sock', timers: clock });
    await settle();
    assert.equal(client.state, 'failed');
    const s = client.currentStatus;
    assert.ok(s.state === 'failed' && s.reason.code === 'ERR_ENDPOINT_FORMAT');
    assert.equal(clock.pendingCount, 0);
  });

  it('real timers are unref()d: a reconnecting client (unlimited attempts) does not keep its process alive', async () => {
    const { dir, cleanup } = tempDir('swu');
    const script = fileURLToPath(new URL('../fixtures/resilience-idle-client.ts', import.meta.url));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script, `unix://${path.join(dir, 'none.sock')}`], {
        env: { ...process.env, XDG_RUNTIME_DIR: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the process is still alive after 20 s: a client timer keeps it alive (stdout: ${out})`));
        }, 20_000);
        child.once('close', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.match(out, /reconnecting/, 'the client was reconnecting when the process ended');
      assert.equal(code, 0);
    } finally {
      cleanup();
    }
  });
});
