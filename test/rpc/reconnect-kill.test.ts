/**
 * kill -9 a real server process during a stream of calls, start a new one: every call settles
 * (a result, or a coded error) — a watchdog fails the test if any hangs —, subscriptions resume,
 * and the same holds on every transport (TCP: the new port and token come from the discovery file).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { connect } from '../../src/client/client.js';
import type { ClientOptions } from '../../src/client/client-options.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { ResilienceServer, type ResilienceServerConfig } from '../fixtures/resilience-child.js';
import { delay, waitFor } from './rpc-harness.js';

type Outcome = { readonly n: number; readonly ok: true } | { readonly n: number; readonly ok: false; readonly code: unknown };

/** Rejects when `work` has not settled within `ms`: something hung. */
function watchdog<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`watchdog: ${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([work, fail]).finally(() => clearTimeout(timer));
}

interface TransportCase {
  readonly name: string;
  readonly skip?: boolean;
  /** Server config and client options for a test dir and app. */
  setup(dir: string, app: string): { server: ResilienceServerConfig; client: ClientOptions };
}

const cases: TransportCase[] = [
  {
    name: 'unix socket',
    setup: (dir, app) => ({ server: { app, endpoint: `unix://${path.join(dir, 'k.sock')}` }, client: { app, endpoint: `unix://${path.join(dir, 'k.sock')}` } }),
  },
  {
    name: 'abstract socket',
    skip: process.platform !== 'linux',
    setup: (_dir, app) => ({ server: { app, endpoint: `unix:@${app}` }, client: { app, endpoint: `unix:@${app}` } }),
  },
  {
    name: 'TCP found through the discovery file (new port and token after the restart)',
    setup: (_dir, app) => ({ server: { app, endpoint: 'tcp://127.0.0.1:0' }, client: { app } }),
  },
  {
    name: 'named pipe',
    skip: process.platform !== 'win32',
    setup: (_dir, app) => ({ server: { app, endpoint: `pipe://${app}` }, client: { app, endpoint: `pipe://${app}` } }),
  },
];

describe('server killed and restarted under load', () => {
  const children: ResilienceServer[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
  });

  for (const c of cases) {
    it(c.name, { skip: c.skip === true ? 'not on this platform' : false }, async () => {
      const { dir, cleanup } = tempDir('swk');
      const app = uniqueName('k');
      const env = { XDG_RUNTIME_DIR: dir };
      const { server, client: clientOptions } = c.setup(dir, app);
      const first = await ResilienceServer.start(server, env);
      children.push(first);
      const client = await connect({
        ...clientOptions,
        env,
        reconnect: { initialDelayMs: 50, maxDelayMs: 400, maxAttempts: Infinity },
        queue: { timeoutMs: 30_000 },
        callTimeoutMs: 30_000,
      });
      const keepAlive = setInterval(() => undefined, 1000); // client timers are unref()'d by design
      try {
        const ticks: Array<{ n: number; pid: number }> = [];
        await client.subscribe('tick', (d) => void ticks.push(d as { n: number; pid: number }));
        await waitFor(() => ticks.some((t) => t.pid === first.pid), 10_000, 'ticks from the first server');
        const firstId = client.clientId;
        const firstEndpoint = client.endpoint;
        assert.equal(await client.call('who'), first.pid);

        // A stream of calls: even ones idempotent (retried once after a drop), odd ones not.
        const outcomes: Array<Promise<Outcome>> = [];
        let streaming = true;
        const stream = (async () => {
          for (let n = 0; streaming; n++) {
            outcomes.push(
              client.call('echo', [n], { idempotent: n % 2 === 0 }).then(
                (v): Outcome => {
                  assert.deepEqual(v, [n]);
                  return { n, ok: true };
                },
                (e: unknown): Outcome => ({ n, ok: false, code: (e as { code?: unknown }).code }),
              ),
            );
            await delay(5);
          }
        })();
        await delay(150);
        // Two calls surely in flight at the kill (the server answers them after 200 ms).
        const slowPlain = client.call('slow', ['plain']).then(() => 'resolved', (e: unknown) => (e as { code?: unknown }).code);
        const slowSafe = client.call('slow', ['safe'], { idempotent: true });
        await delay(50);
        await first.kill();
        await waitFor(() => client.state !== 'ready', 10_000, 'the client to notice');
        const second = await ResilienceServer.start(server, env);
        children.push(second);
        await waitFor(() => ticks.some((t) => t.pid === second.pid), 20_000, 'ticks from the restarted server (resubscribed)');
        await delay(100);
        streaming = false;
        await stream;
        const results = await watchdog(Promise.all(outcomes), 30_000, 'the stream of calls');
        assert.equal(await watchdog(slowPlain, 30_000, 'slow plain call'), 'ERR_CONNECTION_LOST', 'a sent call is not silently retried');
        assert.deepEqual(await watchdog(slowSafe, 30_000, 'slow idempotent call'), ['safe'], 'an idempotent call is retried after the reconnect');

        const failed = results.filter((r): r is Extract<Outcome, { ok: false }> => !r.ok);
        for (const f of failed) {
          assert.equal(f.code, 'ERR_CONNECTION_LOST', `call ${f.n} failed with ${String(f.code)}`);
          assert.equal(f.n % 2, 1, `idempotent call ${f.n} was retried, not failed`);
        }
        assert.ok(results.filter((r) => r.ok).length > failed.length, 'most calls succeeded');
        assert.equal(client.state, 'ready');
        assert.equal(await client.call('who'), second.pid);
        assert.notEqual(client.clientId, '');
        assert.equal(client.previousClientId, firstId);
        if (server.endpoint === 'tcp://127.0.0.1:0') {
          assert.notEqual(client.endpoint, firstEndpoint, 'the new TCP port came from the discovery file');
        } else {
          assert.equal(client.endpoint, firstEndpoint);
        }
      } finally {
        clearInterval(keepAlive);
        await client.close();
        await Promise.all(children.map((ch) => ch.kill()));
        cleanup();
      }
    });
  }
});
