/**
 * Memory-bound client process, in one of two roles:
 * - `readers`: `slow` raw connections that subscribe to the topic and then never read again, and
 *   `fast` sidewire clients that read every event and make an `echo` call every `echoIntervalMs`
 *   (`go` … `stop`), then report what they received.
 * - `flood`: `flooders` raw connections that each send `floodMessages` lines of just under
 *   `maxMessageBytes` (accepted: `mem.sink` replies with the size) and `oversized` lines just
 *   over it (answered -32004 with id null; the same connection must then still answer `$/ping`).
 */
import type { Client } from '../../src/index.js';
import { emit, fail, onCommands, readConfig } from '../lib/child-io.js';
import { connectMany } from './connect-many.js';
import { RawSocket } from './raw-socket.js';

interface MemoryClientConfig {
  readonly endpoint: string;
  readonly role: 'readers' | 'flood';
  readonly topic: string;
  readonly slow: number;
  readonly fast: number;
  readonly echoIntervalMs: number;
  readonly expectEvents: number;
  readonly flooders: number;
  readonly floodMessages: number;
  readonly oversized: number;
  readonly maxMessageBytes: number;
}

const config = readConfig<MemoryClientConfig>();

async function openSlow(i: number): Promise<RawSocket> {
  const raw = await RawSocket.connect(config.endpoint);
  const hello = await raw.request(1, '$/hello', { protocol: 1, client: { name: `slow-${i}`, version: '1' }, subscribe: [config.topic] });
  if (hello === undefined || !('result' in hello)) throw new Error(`slow client ${i}: bad hello reply ${JSON.stringify(hello)}`);
  raw.stopReading();
  return raw;
}

interface FastState {
  readonly client: Client;
  received: number;
  outOfOrder: number;
  calls: number;
  errors: number;
  readonly latencies: number[];
  readonly errorSamples: string[];
}

async function runReaders(): Promise<void> {
  const slow = await Promise.all(Array.from({ length: config.slow }, (_, i) => openSlow(i)));
  const opened = await connectMany(config.fast, { endpoint: config.endpoint, name: 'fast', client: { callTimeoutMs: 60_000 } });
  const fast: FastState[] = [];
  for (const { client } of opened) {
    const state: FastState = { client, received: 0, outOfOrder: 0, calls: 0, errors: 0, latencies: [], errorSamples: [] };
    await client.subscribe(config.topic, (data) => {
      if ((data as { seq: number }).seq !== state.received) state.outOfOrder++;
      state.received++;
    });
    fast.push(state);
  }
  emit({ type: 'ready', slow: slow.length, fast: fast.length });
  let running = false;
  const loops: Array<Promise<void>> = [];
  const echoLoop = async (s: FastState): Promise<void> => {
    while (running) {
      const t0 = performance.now();
      try {
        await s.client.call('echo', { t: t0 });
        s.latencies.push(performance.now() - t0);
      } catch (err) {
        s.errors++;
        if (s.errorSamples.length < 3) s.errorSamples.push(err instanceof Error ? err.message : String(err));
      }
      s.calls++;
      await new Promise((r) => setTimeout(r, config.echoIntervalMs));
    }
  };
  onCommands(async (command) => {
    if (command.type === 'go') {
      running = true;
      for (const s of fast) loops.push(echoLoop(s));
    } else if (command.type === 'stop') {
      running = false;
      await Promise.all(loops);
      const until = Date.now() + 30_000;
      while (fast.some((s) => s.received < config.expectEvents) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const all = fast.flatMap((s) => s.latencies).sort((a, b) => a - b);
      emit({
        type: 'report',
        received: fast.map((s) => s.received),
        outOfOrder: fast.reduce((a, s) => a + s.outOfOrder, 0),
        calls: fast.reduce((a, s) => a + s.calls, 0),
        errors: fast.reduce((a, s) => a + s.errors, 0),
        errorSamples: fast.flatMap((s) => s.errorSamples).slice(0, 3),
        echoMaxMs: all.length === 0 ? 0 : all[all.length - 1],
        echoP99Ms: all.length === 0 ? 0 : all[Math.ceil(all.length * 0.99) - 1],
        slowClosedBeforeStop: slow.filter((s) => s.closed).length,
      });
    }
  }, () => {
    for (const s of slow) s.destroy();
    for (const f of fast) void f.client.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
}

async function flood(raw: RawSocket, body: Buffer, counters: { accepted: number; rejected: number; pings: number; problems: string[] }): Promise<void> {
  let id = 0;
  const line = async (size: number): Promise<Record<string, unknown> | undefined> => {
    const head = Buffer.from(`{"jsonrpc":"2.0","id":${++id},"method":"mem.sink","params":{"data":"`);
    const tail = Buffer.from('"}}\n');
    const bodyBytes = size - head.length - tail.length + 1; // + 1: the \n is not counted
    await raw.write(head);
    await raw.write(body.subarray(0, bodyBytes));
    await raw.write(tail);
    return raw.next(120_000);
  };
  const limit = config.maxMessageBytes;
  for (let i = 0; i < config.floodMessages; i++) {
    const size = limit - 64;
    const reply = await line(size);
    const bytes = (reply?.['result'] as { bytes?: number } | undefined)?.bytes;
    if (bytes !== undefined && bytes > size - 128) counters.accepted++;
    else counters.problems.push(`a ${size}-byte line got ${JSON.stringify(reply)?.slice(0, 200)}`);
  }
  for (let i = 0; i < config.oversized; i++) {
    const reply = await line(limit + 64 * 1024);
    const error = reply?.['error'] as { code?: number } | undefined;
    if (reply?.['id'] === null && error?.code === -32004) counters.rejected++;
    else counters.problems.push(`an oversized line got ${JSON.stringify(reply)?.slice(0, 200)}`);
    const pong = await raw.request(`ping-${i}`, '$/ping');
    if (pong !== undefined && 'result' in pong) counters.pings++;
    else counters.problems.push(`$/ping after an oversized line got ${JSON.stringify(pong)}`);
  }
}

async function runFlood(): Promise<void> {
  const raws = await Promise.all(Array.from({ length: config.flooders }, () => RawSocket.connect(config.endpoint)));
  const body = Buffer.alloc(config.maxMessageBytes + 64 * 1024, 0x61);
  emit({ type: 'ready', flooders: raws.length });
  onCommands(async (command) => {
    if (command.type !== 'go') return;
    const counters = { accepted: 0, rejected: 0, pings: 0, problems: [] as string[] };
    await Promise.all(raws.map((r) => flood(r, body, counters).catch((err: unknown) => {
      counters.problems.push(err instanceof Error ? err.message : String(err));
    })));
    emit({ type: 'report', ...counters, problems: counters.problems.slice(0, 5), problemCount: counters.problems.length });
  }, () => {
    for (const r of raws) r.destroy();
    process.exit(0);
  });
}

await (config.role === 'readers' ? runReaders() : runFlood()).catch(fail);
