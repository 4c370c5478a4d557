/**
 * Standalone comparison of sidewire's binary mode with the raw length-prefixed baseline (and
 * zeromq), in the same run, with the harness's scenarios and child-process isolation:
 *
 *   node --import tsx benchmarks/impl/sidewire-binary/compare.ts [--quick] [--runs N]
 *        [--impls sidewire-binary,sidewire-binary:src,raw-lp,zeromq,sidewire]
 *        [--scenarios oneway,inflight,bulk] [--max-load 2] [--prof DIR] [--pin] [--base DIR]
 *
 * sidewire is measured as it ships: compiled by `tsc` into benchmarks/.build (../sidewire/build.ts)
 * and loaded from there by the children. An implementation id with the suffix `:src` runs the
 * TypeScript sources through tsx instead (what the numbers looked like before, and what a
 * developer running the sources sees); the suffix `:base` runs the compiled build in `--base DIR`
 * instead, for an A/B of two revisions in one run (`git worktree add /tmp/swb REV && cd /tmp/swb
 * && npm ci && npx tsc -p tsconfig.json --outDir /tmp/swb-build`, then `--base /tmp/swb-build
 * --impls sidewire-binary,sidewire-binary:base`); `sidewire` is sidewire's JSON mode, for the JSON-vs-binary
 * question. The raw baselines and zeromq's wrapper are TypeScript run through tsx either way (they
 * create almost no closures, so tsx's `keepNames` wrappers cost them next to nothing).
 *
 * Each measurement is a fresh server process and a fresh client process (this file, with
 * `--role server|client`), runs are interleaved across implementations, and the table shows
 * medians with the ratios the issue asks for (sidewire-binary ÷ each row), the CPU time per
 * operation of the client and of the server process (median; less sensitive to other load on the
 * machine than throughput; warm-up included), and the 1-minute load average before each run. `--max-load L` waits (up to 3 minutes) before each run until the load
 * average is under L. `--prof DIR` writes a `.cpuprofile` of the measured part of every child to
 * DIR and prints each one's heaviest functions by self time. `--pin` runs the client on CPU 0 and
 * the server on CPU 1 (`taskset`, as the main harness's `--pin`).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, errorMessage, report, waitForCommand } from '../../lib/child-io.js';
import type { BenchClient, ClientModule, ServerModule } from '../../lib/protocol.js';
import { scenarioInfo, type ScenarioParams } from '../../lib/scenarios.js';
import { canPin, spawnChild, type ChildHandle } from '../../lib/spawn.js';
import { runBulk } from '../../scenarios/bulk.js';
import { runInflight } from '../../scenarios/inflight.js';
import { runLatency } from '../../scenarios/latency.js';
import { runOneway } from '../../scenarios/oneway.js';
import { BUILD_ENV, buildSidewire } from '../sidewire/build.js';
import { startProfile, stopProfile, summarizeProfile } from './profile.js';

type Scenario = (client: BenchClient, params: ScenarioParams) => Promise<Record<string, number>>;
const SCENARIOS: Readonly<Record<string, { run: Scenario; metric: string }>> = {
  latency: { run: runLatency, metric: 'p50Us' },
  oneway: { run: runOneway, metric: 'msgPerSec' },
  inflight: { run: runInflight, metric: 'reqPerSec' },
  bulk: { run: runBulk, metric: 'mbPerSec' },
};
const SELF = fileURLToPath(import.meta.url);
const BASELINE = 'sidewire-binary';

function option(argv: readonly string[], name: string, fallback: string): string {
  return argv.includes(`--${name}`) ? argValue(argv, name) : fallback;
}

/** `sidewire-binary:src` → directory `sidewire-binary`, run from the sources; `:base` → from the `--base` build. */
function parseImpl(spec: string): { dir: string; fromSource: boolean; fromBase: boolean } {
  const [dir = '', suffix] = spec.split(':');
  if (!/^[a-z0-9-]+$/.test(dir) || (suffix !== undefined && suffix !== 'src' && suffix !== 'base')) throw new Error(`bad implementation id ${spec}`);
  return { dir, fromSource: suffix === 'src', fromBase: suffix === 'base' };
}

function implModule(spec: string, file: 'server' | 'client'): Promise<unknown> {
  return import(new URL(`../${parseImpl(spec).dir}/${file}.ts`, import.meta.url).href);
}

async function serverRole(argv: readonly string[]): Promise<void> {
  const mod = (await implModule(argValue(argv, 'impl'), 'server')) as ServerModule;
  const server = await mod.startServer({ socketPath: argValue(argv, 'socket') });
  const prof = argv.includes('--prof') ? argValue(argv, 'prof') : undefined;
  if (prof !== undefined) await startProfile();
  const cpu = process.cpuUsage();
  report({ type: 'ready' });
  await waitForCommand('stop');
  const used = process.cpuUsage(cpu);
  if (prof !== undefined) await stopProfile(prof);
  report({ type: 'result', metrics: { serverCpuUs: used.user + used.system } });
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  report({ type: 'stopped' });
}

async function clientRole(argv: readonly string[]): Promise<void> {
  const mod = (await implModule(argValue(argv, 'impl'), 'client')) as ClientModule;
  const scenario = SCENARIOS[argValue(argv, 'scenario')];
  if (!scenario) throw new Error('unknown scenario');
  const params = JSON.parse(argValue(argv, 'params')) as ScenarioParams;
  const prof = argv.includes('--prof') ? argValue(argv, 'prof') : undefined;
  report({ type: 'ready' });
  await waitForCommand('go');
  const client = await mod.connect({ socketPath: argValue(argv, 'socket') });
  try {
    if (prof !== undefined) await startProfile();
    const cpu = process.cpuUsage();
    const metrics = await scenario.run(client, params);
    const used = process.cpuUsage(cpu);
    if (prof !== undefined) await stopProfile(prof);
    report({ type: 'result', metrics: { ...metrics, clientCpuUs: used.user + used.system } });
  } finally {
    await Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

interface MeasureOptions {
  readonly impl: string;
  readonly scenario: string;
  readonly params: ScenarioParams;
  /** sidewire's build directory (undefined: run from the sources through tsx). */
  readonly build: string | undefined;
  /** The `--base` build directory, for `:base` implementations. */
  readonly baseBuild: string | undefined;
  /** Profile files to write (server, client), or undefined. */
  readonly prof?: { readonly server: string; readonly client: string };
  /** Pin the client to CPU 0 and the server to CPU 1. */
  readonly pin: boolean;
}

async function measure(options: MeasureOptions): Promise<Record<string, number>> {
  const { impl, scenario, params, prof, pin } = options;
  const build = parseImpl(impl).fromBase ? options.baseBuild : options.build;
  const dir = mkdtempSync(join(tmpdir(), 'swbb-'));
  const socketPath = join(dir, 's.sock');
  const children: ChildHandle[] = [];
  if (build === undefined || parseImpl(impl).fromSource) delete process.env[BUILD_ENV];
  else process.env[BUILD_ENV] = build; // spawnChild passes process.env to the child
  try {
    const common = ['--impl', impl, '--socket', socketPath];
    const server = spawnChild({
      script: SELF,
      args: ['--role', 'server', ...common, ...(prof ? ['--prof', prof.server] : [])],
      label: `${impl} server`,
      ...(pin ? { cpu: 1 } : {}),
    });
    children.push(server);
    await server.next(30_000);
    const client = spawnChild({
      script: SELF,
      args: ['--role', 'client', ...common, '--scenario', scenario, '--params', JSON.stringify(params), ...(prof ? ['--prof', prof.client] : [])],
      label: `${impl} client`,
      ...(pin ? { cpu: 0 } : {}),
    });
    children.push(client);
    await client.next(30_000);
    client.send('go');
    const result = await client.next(240_000);
    if (result.type !== 'result') throw new Error(`unexpected ${result.type}`);
    server.send('stop');
    const served = await server.next(10_000); // its CPU time (the profile is written before it)
    return { ...result.metrics, ...(served.type === 'result' ? served.metrics : {}) };
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Waits until the 1-minute load average is under `max` (at most 3 minutes). */
async function waitForLoad(max: number): Promise<void> {
  const until = Date.now() + 180_000;
  while ((loadavg()[0] ?? 0) >= max && Date.now() < until) await new Promise((r) => setTimeout(r, 5_000));
}

function printProfile(file: string, label: string): void {
  console.log(`\n  ${label}: self time, top functions (${file})`);
  for (const [name, pct] of summarizeProfile(file, 25)) console.log(`    ${pct.toFixed(1).padStart(5)} %  ${name}`);
}

async function orchestrate(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const runs = Number(option(argv, 'runs', quick ? '1' : '3'));
  const impls = option(argv, 'impls', 'sidewire-binary,sidewire-binary:src,raw-lp,zeromq').split(',');
  const scenarios = option(argv, 'scenarios', 'oneway,inflight,bulk').split(',');
  const maxLoad = Number(option(argv, 'max-load', 'Infinity'));
  const profDir = argv.includes('--prof') ? argValue(argv, 'prof') : undefined;
  const pin = argv.includes('--pin') && canPin();
  if (profDir !== undefined) mkdirSync(profDir, { recursive: true });
  impls.forEach(parseImpl);
  const baseBuild = argv.includes('--base') ? argValue(argv, 'base') : undefined;
  if (impls.some((i) => parseImpl(i).fromBase) && baseBuild === undefined) throw new Error('a :base implementation needs --base DIR (a tsc build of the other revision)');
  const build = impls.some((i) => !parseImpl(i).fromSource && i.startsWith('sidewire')) ? buildSidewire() : undefined;
  console.log(`sidewire binary mode vs peers: ${runs} run(s)${quick ? ', quick counts' : ''}, Node ${process.version}; sidewire from ${build ?? 'src (tsx)'} unless :src${pin ? '; pinned' : ''}`);
  for (const id of scenarios) {
    const info = scenarioInfo(id);
    const metric = SCENARIOS[id]?.metric;
    if (metric === undefined) throw new Error(`scenario ${id} is not supported here`);
    const params = quick ? info.quick : info.full;
    const rows = new Map<string, Row>(impls.map((i) => [i, { values: [], clientNs: [], serverNs: [] }]));
    const loads: number[] = [];
    for (let run = 1; run <= runs; run++) {
      for (const impl of impls) {
        if (Number.isFinite(maxLoad)) await waitForLoad(maxLoad);
        const load = loadavg()[0] ?? 0;
        loads.push(load);
        const name = `${id}-${impl.replace(':', '-')}-${run}`;
        const prof = profDir === undefined ? undefined : { server: join(profDir, `${name}-server.cpuprofile`), client: join(profDir, `${name}-client.cpuprofile`) };
        try {
          const m = await measure({ impl, scenario: id, params, build, baseBuild, pin, ...(prof ? { prof } : {}) });
          const row = rows.get(impl)!;
          const ops = (m['messages'] ?? params.count) + params.warmup; // CPU time covers the warm-up too
          row.values.push(m[metric] as number);
          if (m['clientCpuUs'] !== undefined) row.clientNs.push((m['clientCpuUs'] * 1000) / ops);
          if (m['serverCpuUs'] !== undefined) row.serverNs.push((m['serverCpuUs'] * 1000) / ops);
          process.stderr.write(`  ${id} run ${run} ${impl}: ${Math.round(m[metric] as number)} (load ${load.toFixed(2)})\n`);
          if (prof !== undefined) {
            printProfile(prof.server, `${impl} server`);
            printProfile(prof.client, `${impl} client`);
          }
        } catch (err) {
          process.stderr.write(`  ${id} run ${run} ${impl}: FAILED ${errorMessage(err)}\n`);
        }
      }
    }
    const loadNote = `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)})`;
    console.log(`\n${info.title} — ${metric}, median of ${runs}; ${loadNote}`);
    printTable(rows, metric, id === 'bulk' ? 'MiB' : 'op');
  }
}

/** One implementation's measurements in one scenario. */
interface Row {
  readonly values: number[];
  /** CPU nanoseconds per operation, client and server process. */
  readonly clientNs: number[];
  readonly serverNs: number[];
}

/** Medians, every run, the ratio to sidewire-binary, and the CPU time per operation of each process. */
function printTable(rows: ReadonlyMap<string, Row>, metric: string, unit: string): void {
  const mine = median(rows.get(BASELINE)?.values ?? []);
  for (const [impl, row] of rows) {
    if (row.values.length === 0) {
      console.log(`  ${impl.padEnd(20)} failed`);
      continue;
    }
    const m = median(row.values);
    const ratio = impl === BASELINE || !Number.isFinite(mine) ? '' : `   ${BASELINE} ÷ ${impl} = ${(metric === 'p50Us' ? m / mine : mine / m).toFixed(2)}×`;
    const cpu = `CPU/${unit}: client ${formatNs(median(row.clientNs))}, server ${formatNs(median(row.serverNs))}`;
    console.log(`  ${impl.padEnd(20)} ${m.toFixed(metric === 'mbPerSec' ? 1 : 0).padStart(10)}  [${row.values.map((x) => Math.round(x)).join(', ')}]  ${cpu}${ratio}`);
  }
}

function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  return ns >= 100_000 ? `${(ns / 1e6).toFixed(2)} ms` : `${Math.round(ns)} ns`;
}

const argv = process.argv.slice(2);
const role = argv.includes('--role') ? argValue(argv, 'role') : 'orchestrator';
const main = role === 'server' ? serverRole(argv) : role === 'client' ? clientRole(argv) : orchestrate(argv);
main.then(
  () => process.exit(0),
  (err: unknown) => {
    if (role === 'orchestrator') console.error(errorMessage(err));
    else report({ type: 'error', message: errorMessage(err) });
    process.exit(1);
  },
);
