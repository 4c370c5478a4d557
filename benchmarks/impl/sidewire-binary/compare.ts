/**
 * Standalone comparison of sidewire's binary mode with the raw length-prefixed baseline (and
 * zeromq), in the same run, with the harness's scenarios and child-process isolation:
 *
 *   node --import tsx benchmarks/impl/sidewire-binary/compare.ts [--quick] [--runs N]
 *        [--impls sidewire-binary,raw-lp,zeromq] [--scenarios oneway,inflight,bulk]
 *
 * The main harness (benchmarks/run.ts) runs this implementation too once `sidewire-binary` is in
 * benchmarks/impl/registry.ts; this script needs no registry entry. Each measurement is a fresh
 * server process and a fresh client process (this file, with `--role server|client`), runs are
 * interleaved across implementations, and the table shows medians with the ratios the issue asks
 * for (sidewire-binary ÷ raw-lp, ÷ zeromq).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, errorMessage, report, waitForCommand } from '../../lib/child-io.js';
import type { BenchClient, ClientModule, ServerModule } from '../../lib/protocol.js';
import { scenarioInfo, type ScenarioParams } from '../../lib/scenarios.js';
import { spawnChild, type ChildHandle } from '../../lib/spawn.js';
import { runBulk } from '../../scenarios/bulk.js';
import { runInflight } from '../../scenarios/inflight.js';
import { runLatency } from '../../scenarios/latency.js';
import { runOneway } from '../../scenarios/oneway.js';

type Scenario = (client: BenchClient, params: ScenarioParams) => Promise<Record<string, number>>;
const SCENARIOS: Readonly<Record<string, { run: Scenario; metric: string }>> = {
  latency: { run: runLatency, metric: 'p50Us' },
  oneway: { run: runOneway, metric: 'msgPerSec' },
  inflight: { run: runInflight, metric: 'reqPerSec' },
  bulk: { run: runBulk, metric: 'mbPerSec' },
};
const SELF = fileURLToPath(import.meta.url);

function option(argv: readonly string[], name: string, fallback: string): string {
  return argv.includes(`--${name}`) ? argValue(argv, name) : fallback;
}

function implModule(impl: string, file: 'server' | 'client'): Promise<unknown> {
  if (!/^[a-z0-9-]+$/.test(impl)) throw new Error(`bad implementation id ${impl}`);
  return import(new URL(`../${impl}/${file}.ts`, import.meta.url).href);
}

async function serverRole(argv: readonly string[]): Promise<void> {
  const mod = (await implModule(argValue(argv, 'impl'), 'server')) as ServerModule;
  const server = await mod.startServer({ socketPath: argValue(argv, 'socket') });
  report({ type: 'ready' });
  await waitForCommand('stop');
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  report({ type: 'stopped' });
}

async function clientRole(argv: readonly string[]): Promise<void> {
  const mod = (await implModule(argValue(argv, 'impl'), 'client')) as ClientModule;
  const scenario = SCENARIOS[argValue(argv, 'scenario')];
  if (!scenario) throw new Error('unknown scenario');
  const params = JSON.parse(argValue(argv, 'params')) as ScenarioParams;
  report({ type: 'ready' });
  await waitForCommand('go');
  const client = await mod.connect({ socketPath: argValue(argv, 'socket') });
  try {
    report({ type: 'result', metrics: await scenario.run(client, params) });
  } finally {
    await Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

async function measure(impl: string, scenario: string, params: ScenarioParams): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'swbb-'));
  const socketPath = join(dir, 's.sock');
  const children: ChildHandle[] = [];
  try {
    const common = ['--impl', impl, '--socket', socketPath];
    const server = spawnChild({ script: SELF, args: ['--role', 'server', ...common], label: `${impl} server` });
    children.push(server);
    await server.next(30_000);
    const client = spawnChild({
      script: SELF,
      args: ['--role', 'client', ...common, '--scenario', scenario, '--params', JSON.stringify(params)],
      label: `${impl} client`,
    });
    children.push(client);
    await client.next(30_000);
    client.send('go');
    const result = await client.next(240_000);
    if (result.type !== 'result') throw new Error(`unexpected ${result.type}`);
    server.send('stop');
    return result.metrics;
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

async function orchestrate(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const runs = Number(option(argv, 'runs', quick ? '1' : '3'));
  const impls = option(argv, 'impls', 'sidewire-binary,raw-lp,zeromq').split(',');
  const scenarios = option(argv, 'scenarios', 'oneway,inflight,bulk').split(',');
  console.log(`sidewire binary mode vs peers: ${runs} run(s)${quick ? ', quick counts' : ''}, Node ${process.version}`);
  for (const id of scenarios) {
    const info = scenarioInfo(id);
    const metric = SCENARIOS[id]?.metric;
    if (metric === undefined) throw new Error(`scenario ${id} is not supported here`);
    const params = quick ? info.quick : info.full;
    const values = new Map<string, number[]>(impls.map((i) => [i, []]));
    for (let run = 1; run <= runs; run++) {
      for (const impl of impls) {
        try {
          const m = await measure(impl, id, params);
          values.get(impl)?.push(m[metric] as number);
          process.stderr.write(`  ${id} run ${run} ${impl}: ${Math.round(m[metric] as number)}\n`);
        } catch (err) {
          process.stderr.write(`  ${id} run ${run} ${impl}: FAILED ${errorMessage(err)}\n`);
        }
      }
    }
    const mine = median(values.get('sidewire-binary') ?? []);
    console.log(`\n${info.title} — ${metric}, median of ${runs}`);
    for (const impl of impls) {
      const v = values.get(impl) ?? [];
      if (v.length === 0) {
        console.log(`  ${impl.padEnd(16)} failed`);
        continue;
      }
      const m = median(v);
      const ratio = impl === 'sidewire-binary' ? '' : `   sidewire-binary ÷ ${impl} = ${(metric === 'p50Us' ? m / mine : mine / m).toFixed(2)}×`;
      console.log(`  ${impl.padEnd(16)} ${m.toFixed(metric === 'mbPerSec' ? 1 : 0).padStart(10)}  [${v.map((x) => Math.round(x)).join(', ')}]${ratio}`);
    }
  }
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
