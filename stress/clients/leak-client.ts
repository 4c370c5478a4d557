/**
 * Leak-cycle client process. On `{ type: 'cycle', cycle, n, seed }` it opens n clients; each
 * calls `echo`, subscribes to `leak.*`; one publishes `leak.tick` and every client must get it;
 * then each leaves in a (seeded) random way:
 * - `close`: a graceful `client.close()`;
 * - `close-mid-call`: `close()` while a `slow` call is in flight (it must reject, coded);
 * - `destroy`: the socket is destroyed (abrupt, no goodbye);
 * - `destroy-mid-call`: destroyed while a `slow` call is in flight (the server aborts it);
 * - `half-close`: the socket's write side is ended (the server finishes, then closes).
 * Reports `{ type: 'cycle-done', cycle, problems }` once every client is closed.
 */
import { isSidewireError, type Client } from '../../src/index.js';
import { emit, fail, onCommands, readConfig, sleep } from '../lib/child-io.js';
import { Random } from '../lib/random.js';
import { connectMany, type Opened } from './connect-many.js';

interface LeakClientConfig {
  readonly endpoint: string;
}

type Exit = 'close' | 'close-mid-call' | 'destroy' | 'destroy-mid-call' | 'half-close';
const EXITS: ReadonlyArray<[Exit, number]> = [
  ['close', 0.45],
  ['close-mid-call', 0.1],
  ['destroy', 0.2],
  ['destroy-mid-call', 0.15],
  ['half-close', 0.1],
];

const config = readConfig<LeakClientConfig>();

function pickExit(rng: Random): Exit {
  let x = rng.next();
  for (const [exit, p] of EXITS) {
    if (x < p) return exit;
    x -= p;
  }
  return 'close';
}

function whenClosed(client: Client): Promise<void> {
  if (client.state === 'closed') return Promise.resolve();
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** A call that must settle: resolve, or reject with a coded sidewire error. */
function expectSettled(p: Promise<unknown>, problems: string[], what: string): Promise<void> {
  return p.then(
    () => undefined,
    (err: unknown) => {
      if (!isSidewireError(err) && !(err instanceof Error && 'code' in err)) problems.push(`${what}: uncoded rejection ${String(err)}`);
    },
  );
}

async function leave(o: Opened, exit: Exit, problems: string[]): Promise<void> {
  const { client, socket } = o;
  const closed = whenClosed(client);
  let pending: Promise<void> = Promise.resolve();
  if (exit === 'close-mid-call' || exit === 'destroy-mid-call') {
    pending = expectSettled(client.call('slow', { ms: 10_000 }), problems, exit);
    await sleep(1);
  }
  if (exit === 'close' || exit === 'close-mid-call') await client.close();
  else if (exit === 'half-close') socket!.end();
  else socket!.destroy();
  const deadline = sleep(15_000).then(() => 'timeout' as const);
  if ((await Promise.race([Promise.all([closed, pending]), deadline])) === 'timeout') problems.push(`${exit}: the client did not close within 15 s`);
}

async function cycle(cycleNo: number, n: number, seed: number): Promise<string[]> {
  const rng = new Random(seed);
  const problems: string[] = [];
  const opened = await connectMany(n, { endpoint: config.endpoint, name: `leak-${cycleNo}`, keepSockets: true, client: { callTimeoutMs: 30_000 } });
  const got = new Array<number>(n).fill(0);
  await Promise.all(
    opened.map(async ({ client }, i) => {
      await client.call('echo', { i });
      await client.subscribe('leak.*', () => {
        got[i]!++;
      });
    }),
  );
  const reached = (await opened[0]!.client.call('publish', { topic: 'leak.tick', data: { cycle: cycleNo } })) as number;
  if (reached !== n) problems.push(`publish reached ${reached} of ${n} clients`);
  const until = Date.now() + 10_000;
  while (got.some((g) => g === 0) && Date.now() < until) await sleep(5);
  const missing = got.filter((g) => g !== 1).length;
  if (missing > 0) problems.push(`${missing} clients did not get exactly one leak.tick`);
  await Promise.all(opened.map((o) => leave(o, pickExit(rng), problems)));
  return problems;
}

onCommands(async (command) => {
  if (command.type !== 'cycle') return;
  const c = command['cycle'] as number;
  const problems = await cycle(c, command['n'] as number, command['seed'] as number).catch((err: unknown) => [err instanceof Error ? err.message : String(err)]);
  emit({ type: 'cycle-done', cycle: c, problems: problems.slice(0, 5), problemCount: problems.length });
});
emit({ type: 'ready' });
process.on('uncaughtException', fail);
