/**
 * Server CPU per request, with and without `limits.requestTimeoutMs`, in the same run: a raw client
 * writes binary-mode `echo` requests (64 B `bin` params) in 64 KiB batches to a sidewire server
 * child (the `tsc` build, see impl/sidewire/build.ts) and discards the replies; the server's
 * `process.cpuUsage()` over the measured requests, divided by their number. Large batches make
 * the system calls a small part, so this is the JavaScript cost of a request: decode, run, reply.
 *
 *   node --import tsx benchmarks/server-request-cost.ts [--runs 5] [--requests 300000]
 *
 * Runs are fresh processes, interleaved between the two settings; the table shows medians.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINARY_PREFACE } from '../src/framing/length-prefix.js';
import { encodeMessageFrame } from '../src/stream/binary/binary-codec.js';
import { argValue } from './lib/child-io.js';
import { BUILD_ENV, buildSidewire } from './impl/sidewire/build.js';
import { loadSidewire } from './impl/sidewire/load.js';

const SELF = fileURLToPath(import.meta.url);
const TIMEOUTS = [0, 5000];

interface Stat {
  readonly n: number;
  readonly cpuUs: number;
}

async function serverMain(socketPath: string, requestTimeoutMs: number): Promise<void> {
  const { serve } = await loadSidewire();
  const server = await serve({
    app: 'bench',
    endpoint: `unix://${socketPath}`,
    env: { XDG_RUNTIME_DIR: join(socketPath, '..') },
    discovery: false,
    limits: { requestTimeoutMs },
  });
  let n = 0;
  server.method('echo', (p) => {
    n++;
    return p;
  });
  let start = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'start') {
      start = process.cpuUsage();
      n = 0;
      process.send!('started');
    } else if (m === 'stat') {
      const c = process.cpuUsage(start);
      process.send!({ n, cpuUs: c.user + c.system } satisfies Stat);
    } else if (m === 'exit') {
      process.exit(0); // its socket file goes with the temporary directory
    }
  });
  process.send!('ready');
}

/** One measurement: a fresh server with `requestTimeoutMs`; server CPU ns per request. */
async function measure(build: string, requestTimeoutMs: number, requests: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'swsrc-'));
  const socketPath = join(dir, 's.sock');
  const child = fork(SELF, ['--role', 'server', '--socket', socketPath, '--timeout', String(requestTimeoutMs)], {
    env: { ...process.env, [BUILD_ENV]: build },
    execArgv: ['--import', 'tsx'],
  });
  try {
    await new Promise((resolve) => child.once('message', resolve));
    const ask = (): Promise<Stat> =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as Stat));
        child.send('stat');
      });
    // Distinct ids within a batch: a request whose handler ran stays in flight until the end of its read.
    const one = encodeMessageFrame({ jsonrpc: '2.0', id: 1, method: 'echo', params: { d: Buffer.alloc(64, 7) } });
    const per = Math.floor(65536 / one.length);
    const batch = Buffer.concat(Array.from({ length: per }, (_, i) => encodeMessageFrame({ jsonrpc: '2.0', id: 10_000 + i, method: 'echo', params: { d: Buffer.alloc(64, 7) } })));
    const socket = net.connect(socketPath);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('data', () => undefined);
    socket.write(BINARY_PREFACE);
    const send = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i += per) {
        if (!socket.write(batch)) await new Promise((resolve) => socket.once('drain', resolve));
      }
    };
    const until = async (count: number): Promise<Stat> => {
      for (;;) {
        const s = await ask();
        if (s.n >= count) return s;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const warm = Math.ceil(requests / 5 / per) * per;
    await send(warm);
    await until(warm);
    await new Promise((resolve) => {
      child.once('message', resolve); // 'started': nothing measured is sent before the counters are reset
      child.send('start');
    });
    const measured = Math.ceil(requests / per) * per;
    await send(measured);
    const s = await until(measured);
    socket.destroy();
    return (s.cpuUs * 1000) / s.n;
  } finally {
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--role')) {
    await serverMain(argValue(argv, 'socket'), Number(argValue(argv, 'timeout')));
    return;
  }
  const runs = argv.includes('--runs') ? Number(argValue(argv, 'runs')) : 5;
  const requests = argv.includes('--requests') ? Number(argValue(argv, 'requests')) : 300_000;
  const build = buildSidewire();
  const results = new Map<number, number[]>(TIMEOUTS.map((t) => [t, []]));
  for (let run = 1; run <= runs; run++) {
    for (const timeout of TIMEOUTS) {
      const ns = await measure(build, timeout, requests);
      results.get(timeout)!.push(ns);
      process.stderr.write(`  run ${run} requestTimeoutMs ${timeout}: ${ns.toFixed(0)} ns\n`);
    }
  }
  console.log(`server CPU per echo request (binary mode, 64 KiB batches), median of ${runs}:`);
  for (const [timeout, values] of results) {
    console.log(`  requestTimeoutMs ${String(timeout).padEnd(5)} ${median(values).toFixed(0).padStart(6)} ns  [${values.map((v) => v.toFixed(0)).join(', ')}]`);
  }
  const ratio = median(results.get(5000)!) / median(results.get(0)!);
  console.log(`  with a timeout ÷ without: ${ratio.toFixed(2)}×`);
}

await main(process.argv.slice(2));
