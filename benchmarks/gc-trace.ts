/**
 * Where the latency tail comes from (docs/benchmarks.md, "Tails"): runs the latency scenario for
 * each implementation with `--trace-gc-nvp` in both child processes, and reports per side the
 * bytes allocated per round trip (V8's own `allocated` counter between collections: does not
 * depend on how busy the machine is), the number of scavenges and mark-compacts, and their
 * longest pauses — next to the p50 / p99 / p99.9 of the same run.
 *
 *   node --import tsx benchmarks/gc-trace.ts [--impls sidewire,raw-ndjson,sidewire-binary,raw-lp] [--count N] [--runs N]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isSidewireImpl } from './impl/registry.js';
import { BUILD_ENV, buildSidewire } from './impl/sidewire/build.js';
import { benchPath } from './lib/spawn.js';

interface GcEvent {
  readonly kind: string;
  readonly pauseMs: number;
  readonly allocated: number;
  /** Bytes the collection copied or promoted, and how long its phases took (ms): what makes a pause long. */
  readonly detail: string;
}

interface Side {
  readonly proc: ChildProcess;
  readonly messages: Array<Record<string, unknown>>;
  /** GC events seen while `recording` is true. */
  readonly gcs: GcEvent[];
  recording: boolean;
  wake?: () => void;
}

/** The fields of a --trace-gc-nvp line that explain a pause: survivors, promotion, and the slow phases. */
function gcDetail(line: string): string {
  const field = (name: string): string => new RegExp(`\\b${name}=(\\S+)`).exec(line)?.[1] ?? '?';
  return `survived ${field('new_space_survived')} B, promoted ${field('promoted')} B, roots ${field('scavenge.roots')} ms, parallel ${field('scavenge.parallel')} ms, sweep_array_buffers ${field('scavenge.sweep_array_buffers')} ms, safepoint ${field('time_to_safepoint')} ms`;
}

function start(script: string, args: readonly string[]): Side {
  const proc = spawn(process.execPath, ['--trace-gc-nvp', '--import', import.meta.resolve('tsx'), benchPath(script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const side: Side = { proc, messages: [], gcs: [], recording: false };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) {
      side.messages.push(JSON.parse(line) as Record<string, unknown>);
      side.wake?.();
      return;
    }
    const kind = /\bgc=(\S+)/.exec(line)?.[1];
    if (kind === undefined || !side.recording) return;
    side.gcs.push({ kind, pauseMs: Number(/\bpause=([\d.]+)/.exec(line)?.[1] ?? 0), allocated: Number(/\ballocated=(\d+)/.exec(line)?.[1] ?? 0), detail: gcDetail(line) });
  });
  return side;
}

async function next(side: Side, type: string, timeoutMs = 240_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const i = side.messages.findIndex((m) => m['type'] === type || m['type'] === 'error');
    if (i >= 0) {
      const [m] = side.messages.splice(i, 1);
      if (m!['type'] === 'error') throw new Error(String(m!['message']));
      return m!;
    }
    if (Date.now() > until || side.proc.exitCode !== null) throw new Error(`no "${type}" message`);
    await new Promise<void>((resolve) => {
      side.wake = resolve;
      setTimeout(resolve, 1000).unref();
    });
  }
}

function describe(gcs: readonly GcEvent[], roundTrips: number): string {
  const allocated = gcs.reduce((sum, g) => sum + g.allocated, 0);
  const scavenges = gcs.filter((g) => g.kind === 's');
  const majors = gcs.filter((g) => g.kind !== 's');
  const max = (list: readonly GcEvent[]): string => (list.length === 0 ? '-' : Math.max(...list.map((g) => g.pauseMs)).toFixed(1));
  const longest = [...gcs].sort((a, b) => b.pauseMs - a.pauseMs).slice(0, 5).map((g) => `\n    ${g.kind} ${g.pauseMs.toFixed(1)} ms: ${g.detail}`).join('');
  const pauses = gcs.map((g) => g.pauseMs).sort((a, b) => a - b);
  const median = pauses.length === 0 ? '-' : pauses[Math.floor(pauses.length / 2)]!.toFixed(2);
  return `${(allocated / roundTrips).toFixed(0)} B/round trip, median pause ${median} ms, ${scavenges.length} scavenges (max ${max(scavenges)} ms), ${majors.length} major (max ${max(majors)} ms); the longest:${longest}`;
}

async function once(impl: string, count: number, warmup: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'swg-'));
  const socket = join(dir, 's.sock');
  const server = start('child/server-main.ts', ['--impl', impl, '--socket', socket]);
  const params = JSON.stringify({ count, warmup, size: 64, concurrency: 1 });
  const client = start('child/client-main.ts', ['--impl', impl, '--socket', socket, '--scenario', 'latency', '--params', params]);
  try {
    await Promise.all([next(server, 'ready'), next(client, 'ready')]);
    server.recording = client.recording = true;
    client.proc.stdin!.write('go\n');
    const result = (await next(client, 'result'))['metrics'] as Record<string, number>;
    server.recording = client.recording = false;
    const n = count + warmup;
    const p = (k: string): string => (result[k] ?? NaN).toFixed(1);
    return `${impl}: p50 ${p('p50Us')} / p99 ${p('p99Us')} / p99.9 ${p('p999Us')} µs\n  client: ${describe(client.gcs, n)}\n  server: ${describe(server.gcs, n)}`;
  } finally {
    server.proc.kill('SIGKILL');
    client.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const impls = arg('impls', 'sidewire,raw-ndjson,sidewire-binary,raw-lp').split(',');
  const count = Number(arg('count', '20000'));
  const runs = Number(arg('runs', '1'));
  if (impls.some(isSidewireImpl) && process.env[BUILD_ENV] === undefined) process.env[BUILD_ENV] = buildSidewire();
  for (let run = 1; run <= runs; run++) {
    for (const impl of impls) console.log(await once(impl, count, Math.round(count / 10)));
  }
}

await main();
