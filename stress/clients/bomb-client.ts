/**
 * Connection-bomb client process: opens `clients` connections, reports `connected`, and on `go`
 * every connection sends `messages` `bomb.msg` notifications (seq 0…n-1) in windows of
 * `window`, each window closed by a `bomb.sync` call that must report exactly what was sent.
 * Reports `done` with per-client figures.
 */
import type { Client } from '../../src/index.js';
import { emit, fail, onCommands, readConfig } from '../lib/child-io.js';
import { connectMany } from './connect-many.js';

interface BombClientConfig {
  readonly endpoint: string;
  readonly clients: number;
  /** Index of the first client (names are unique across processes). */
  readonly first: number;
  readonly messages: number;
  readonly window: number;
}

interface SyncReply {
  count: number;
  outOfOrder: number;
}

const config = readConfig<BombClientConfig>();

async function drive(client: Client): Promise<{ sent: number; confirmed: number; problem?: string }> {
  let seq = 0;
  let confirmed = 0;
  while (seq < config.messages) {
    const batch = Math.min(config.window, config.messages - seq);
    for (let i = 0; i < batch; i++) client.notify('bomb.msg', { seq: seq++ });
    const reply = (await client.call('bomb.sync', undefined, { timeoutMs: 120_000 })) as SyncReply;
    confirmed = reply.count;
    if (reply.count !== seq || reply.outOfOrder !== 0) {
      return { sent: seq, confirmed, problem: `server counted ${reply.count}/${seq} (out of order: ${reply.outOfOrder})` };
    }
  }
  return { sent: seq, confirmed };
}

const opened = await connectMany(config.clients, { endpoint: config.endpoint, name: `bomb-${config.first}`, concurrency: 16 }, config.first).catch(fail);
const clients = opened.map((o) => o.client);
emit({ type: 'connected', clients: clients.length });

onCommands(async (command) => {
  if (command.type !== 'go') return;
  const started = performance.now();
  const results = await Promise.all(
    clients.map((c) => drive(c).catch((err: unknown) => ({ sent: -1, confirmed: -1, problem: err instanceof Error ? err.message : String(err) }))),
  );
  const problems = results.filter((r) => r.problem !== undefined).map((r) => r.problem!);
  const confirmed = results.map((r) => r.confirmed);
  emit({
    type: 'done',
    elapsedMs: performance.now() - started,
    clients: clients.length,
    exact: results.filter((r) => r.problem === undefined && r.confirmed === config.messages).length,
    confirmedTotal: confirmed.reduce((a, b) => a + Math.max(0, b), 0),
    minConfirmed: Math.min(...confirmed),
    problems: problems.slice(0, 5),
    problemCount: problems.length,
  });
}, () => {
  for (const c of clients) void c.close();
  setTimeout(() => process.exit(0), 200).unref();
});
