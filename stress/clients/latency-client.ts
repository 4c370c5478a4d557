/**
 * Latency-torture client process, in one of two roles:
 * - `probe`: one connection; on `measure` it makes `warmup` then `count` sequential `echo`
 *   round trips and reports every round-trip time (ms).
 * - `background`: `clients` connections; on `go` each one calls `echo` every `intervalMs`
 *   (steady load, start times spread over one interval) until `stop`, then reports its counts.
 */
import { connect, type Client } from '../../src/index.js';
import { clientMode, emit, fail, onCommands, readConfig, sleep } from '../lib/child-io.js';
import { connectMany } from './connect-many.js';

interface LatencyClientConfig {
  readonly endpoint: string;
  readonly role: 'probe' | 'background';
  readonly clients: number;
  readonly first: number;
  readonly intervalMs: number;
}

const config = readConfig<LatencyClientConfig>();
const PAD = 'x'.repeat(64);

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function runProbe(): Promise<void> {
  const client = await connect({ endpoint: config.endpoint, env: {}, client: { name: 'probe', version: '1' }, callTimeoutMs: 30_000, reconnect: false, ...clientMode() });
  emit({ type: 'ready' });
  onCommands(async (command) => {
    if (command.type !== 'measure') return;
    const warmup = command['warmup'] as number;
    const n = command['count'] as number;
    const samples: number[] = [];
    const errors: string[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const t0 = performance.now();
      try {
        await client.call('echo', { seq: i, pad: PAD });
        if (i >= warmup) samples.push(performance.now() - t0);
      } catch (err) {
        errors.push(message(err));
      }
    }
    emit({ type: 'measured', phase: command['phase'], samples: samples.map((s) => Math.round(s * 1000) / 1000), errors: errors.length, errorSamples: errors.slice(0, 3) });
  }, () => {
    void client.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
}

async function runBackground(): Promise<void> {
  const clients = (await connectMany(config.clients, { endpoint: config.endpoint, name: 'bg', concurrency: 16, client: { callTimeoutMs: 30_000 } }, config.first)).map((o) => o.client);
  emit({ type: 'connected', clients: clients.length });
  let running = false;
  let started = 0;
  const calls: number[] = new Array<number>(clients.length).fill(0);
  const errors: string[] = [];
  let errorCount = 0;
  const loops: Array<Promise<void>> = [];
  const loop = async (c: Client, i: number): Promise<void> => {
    await sleep((i * config.intervalMs) / clients.length);
    while (running) {
      try {
        await c.call('echo', { seq: calls[i], pad: PAD });
        calls[i]!++;
      } catch (err) {
        errorCount++;
        if (errors.length < 3) errors.push(message(err));
      }
      await sleep(config.intervalMs);
    }
  };
  onCommands(async (command) => {
    if (command.type === 'go') {
      running = true;
      started = performance.now();
      clients.forEach((c, i) => loops.push(loop(c, i)));
    } else if (command.type === 'stop') {
      const elapsedMs = performance.now() - started;
      running = false;
      await Promise.all(loops);
      emit({ type: 'report', calls: calls.reduce((a, b) => a + b, 0), minCalls: Math.min(...calls), errors: errorCount, errorSamples: errors, elapsedMs });
    }
  }, () => {
    for (const c of clients) void c.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
}

await (config.role === 'probe' ? runProbe() : runBackground()).catch(fail);
