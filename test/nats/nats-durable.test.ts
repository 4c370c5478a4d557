/**
 * Durable notifications through JetStream (docs/nats.md "Durable notifications"): a consumer
 * killed with SIGKILL mid-stream loses none and gives none to the handler twice, and a client
 * whose NATS server is down keeps them in its spool until it is back.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/client/client.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { waitForOutput } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/nats-durable-server.ts', import.meta.url));
let nats: NatsServerHandle;
const dirs: Array<() => void> = [];
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.stop();
  for (const d of dirs) d();
});

function startConsumer(service: string, out: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, nats.url, service, out, '600000'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return waitForOutput(child, 'ready', 60_000).then(() => child);
}

const lines = (file: string): number[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : []);

async function until(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('a consumer killed with SIGKILL in the middle of a handler: after its restart every durable notification reached the handler once', { timeout: 300_000 }, async () => {
  const { dir, cleanup } = tempDir('nats-durable');
  dirs.push(cleanup);
  const service = uniqueName('d').replace(/[^A-Za-z0-9_-]/g, '-');
  const out = join(dir, 'handled.txt');
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  let consumer = await startConsumer(service, out, env);
  mkdirSync(join(dir, 'client'), { mode: 0o700 }); // the client spools apart from the consumer's seen log
  const client = await connect({ endpoint: nats.url, service, app: service, env: { XDG_RUNTIME_DIR: join(dir, 'client') }, reconnect: false });
  const N = 60;
  try {
    for (let n = 0; n < N; n++) await client.notify('hook.event', { n, slow: n === N / 3 }, { durable: true });
  } finally {
    await client.close();
  }
  await until('the slow handler started', () => lines(`${out}.started`).includes(N / 3));
  assert.ok(!lines(out).includes(N / 3), `handled before the kill: ${JSON.stringify(lines(out))}, started: ${JSON.stringify(lines(`${out}.started`))}`);
  consumer.kill('SIGKILL'); // in the middle of that handler
  await new Promise((r) => consumer.once('exit', r));
  const before = lines(out).length;
  assert.ok(before < N, `the kill came mid-stream (${before} of ${N} handled)`);
  consumer = await startConsumer(service, out, env); // its slow handler runs again, to the end this time
  try {
    await until('all of them handled', () => new Set(lines(out)).size >= N);
    await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would land now
    const got = lines(out);
    assert.deepEqual([...new Set(got)].sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
    assert.equal(got.length, N, `no notification reached the handler twice: ${got.length} lines for ${N}`);
  } finally {
    consumer.kill('SIGKILL');
  }
});
