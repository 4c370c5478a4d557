/**
 * Chaos traffic process: `clients` reconnecting sidewire clients that, from `go` to `finish`,
 * keep calling (`echo`, `slow`) and sending durable notifications `durable { id }`, while the
 * orchestrator kill -9s and restarts the server. Every call and every durable notify is watched:
 * it must resolve or reject with a coded error before its watchdog fires (else it "hung").
 * Reports `{ type: 'recovered', client, readyAt, delayMs, attempt }` each time a client is ready
 * again after a loss, and `{ type: 'finished', ... }` with all outcomes and the durable ids sent.
 */
import { connect, isSidewireError, ResponseError, type Client } from '../../src/index.js';
import { clientMode, emit, fail, onCommands, readConfig, sleep } from '../lib/child-io.js';
import { Random } from '../lib/random.js';

interface TrafficConfig {
  readonly endpoint: string;
  readonly clients: number;
  readonly seed: number;
  readonly callIntervalMs: number;
  readonly durableIntervalMs: number;
  readonly callTimeoutMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

const config = readConfig<TrafficConfig>();

class Outcomes {
  ok = 0;
  hung = 0;
  uncoded = 0;
  readonly coded: Record<string, number> = {};
  readonly samples: string[] = [];

  /** Watches one promise: settled (ok / coded / uncoded) or hung after `watchdogMs`. */
  watch<T>(p: Promise<T>, watchdogMs: number, what: string, onValue?: (v: T) => void): Promise<void> {
    let settled = false;
    const result = p.then(
      (v) => {
        settled = true;
        this.ok++;
        onValue?.(v);
      },
      (err: unknown) => {
        settled = true;
        const code = isSidewireError(err) ? err.code : err instanceof ResponseError ? `rpc ${err.code}` : undefined;
        if (code !== undefined) this.coded[code] = (this.coded[code] ?? 0) + 1;
        else {
          this.uncoded++;
          if (this.samples.length < 5) this.samples.push(`${what}: ${String(err)}`);
        }
      },
    );
    const watchdog = sleep(watchdogMs).then(() => {
      if (!settled) {
        this.hung++;
        if (this.samples.length < 5) this.samples.push(`${what}: not settled after ${watchdogMs} ms`);
      }
    });
    return Promise.race([result, watchdog]);
  }

  toJSON(): Record<string, unknown> {
    return { ok: this.ok, coded: this.coded, uncoded: this.uncoded, hung: this.hung, samples: this.samples };
  }
}

const calls = new Outcomes();
const durable = new Outcomes();
const sentIds: string[] = [];
let spooled = 0;
let gaveUp = 0;
let running = false;
const pending = new Set<Promise<void>>();
const watchdogMs = config.callTimeoutMs + 10_000 + 5000; // call timeout + queue wait + margin

function track(p: Promise<void>): void {
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

async function open(i: number): Promise<Client> {
  const client = await connect({
    endpoint: config.endpoint,
    env: {},
    client: { name: `traffic-${i}`, version: '1' },
    callTimeoutMs: config.callTimeoutMs,
    reconnect: { initialDelayMs: config.initialDelayMs, maxDelayMs: config.maxDelayMs, maxAttempts: Infinity },
    ...clientMode(),
  });
  let lost = false;
  let last: { delayMs: number; attempt: number; at: number } | undefined;
  let connectingAt = 0;
  client.on('status', (s) => {
    if (s.state === 'reconnecting') {
      lost = true;
      last = { delayMs: s.delayMs, attempt: s.attempt, at: s.at };
    } else if (s.state === 'connecting') {
      connectingAt = s.at;
    } else if (s.state === 'ready' && lost) {
      lost = false;
      emit({
        type: 'recovered',
        client: i,
        readyAt: s.at,
        delayMs: last?.delayMs ?? -1,
        attempt: last?.attempt ?? -1,
        // How late the attempt started (this process's timer lag) and how long connect + hello took.
        lagMs: last === undefined ? 0 : Math.max(0, connectingAt - (last.at + last.delayMs)),
        handshakeMs: s.at - connectingAt,
      });
    }
  });
  client.on('close', () => {
    if (running) gaveUp++;
  });
  client.on('error', () => undefined); // id-less server errors are informative only
  return client;
}

async function callLoop(client: Client, rng: Random): Promise<void> {
  while (running) {
    const p = rng.chance(0.7) ? client.call('echo', { r: rng.int(0, 1e6) }) : client.call('slow', { ms: rng.int(1, 30) });
    track(calls.watch(p, watchdogMs, 'call'));
    await sleep(config.callIntervalMs);
  }
}

async function durableLoop(client: Client, i: number): Promise<void> {
  for (let n = 0; running; n++) {
    const id = `${i}:${n}`;
    sentIds.push(id);
    let p: Promise<{ delivered: boolean }>;
    try {
      p = client.notify('durable', { id }, { durable: true });
    } catch (err) {
      p = Promise.reject(err);
    }
    track(durable.watch(p, watchdogMs, `durable ${id}`, (r) => {
      if (!r.delivered) spooled++;
    }));
    await sleep(config.durableIntervalMs);
  }
}

const clients = await Promise.all(Array.from({ length: config.clients }, (_, i) => open(i))).catch(fail);
emit({ type: 'ready', clients: clients.length });
const loops: Array<Promise<void>> = [];

onCommands(async (command) => {
  if (command.type === 'go') {
    running = true;
    clients.forEach((c, i) => {
      loops.push(callLoop(c, new Random(config.seed + i)), durableLoop(c, i));
    });
  } else if (command.type === 'finish') {
    running = false;
    await Promise.all(loops);
    await Promise.all([...pending]);
    emit({
      type: 'finished',
      calls: calls.toJSON(),
      durable: durable.toJSON(),
      spooled,
      gaveUp,
      sentIds,
      states: clients.map((c) => c.state),
    });
  }
}, () => {
  for (const c of clients) void c.close();
  setTimeout(() => process.exit(0), 500).unref();
});
