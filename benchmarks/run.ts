/**
 * Benchmark orchestrator: `node --import tsx benchmarks/run.ts [--quick] [--runs N] [--only a,b] [--pin|--no-pin]`.
 *
 * For every scenario it runs run 1 of every implementation, then run 2, ... (interleaved, so drift
 * of the machine hits all of them alike), each in a fresh server + client process pair, pinned to
 * separate CPUs by default where `taskset` works. Every latency run also measures the C floor
 * (lib/native-floor.ts) first. It prints a table per scenario (and every run), the targets'
 * PASS/MISS, and writes JSON results and an SVG chart.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { implInfo, isSidewireImpl, SIDEWIRE_ID, type ImplInfo } from './impl/registry.js';
import { parseArgs, USAGE, type RunOptions } from './lib/args.js';
import { runMeta, summarize, writeResults, type ImplResult, type ResultsFile, type ScenarioResult } from './lib/results.js';
import { abortPairs, runPair } from './lib/run-pair.js';
import { scenarioInfo, type ScenarioInfo } from './lib/scenarios.js';
import { benchPath, canPin } from './lib/spawn.js';
import { buildFloor, FLOOR_ID, FLOOR_LABEL, runFloor, type Floor } from './lib/native-floor.js';
import { roundSig } from './lib/stats.js';
import { renderSvg } from './lib/svg.js';
import { runsTable, scenarioTable } from './lib/table.js';
import { targetVerdicts } from './impl/sidewire/targets.js';
import { BUILD_ENV, buildSidewire } from './impl/sidewire/build.js';
import { sidewireSource } from './impl/sidewire/load.js';

/** Why `impl` cannot run here (peer not installed), or undefined. */
function unavailable(impl: ImplInfo): string | undefined {
  if (impl.peer === undefined) return undefined;
  if (existsSync(benchPath(`node_modules/${impl.peer}/package.json`))) return undefined;
  return `peer "${impl.peer}" not installed (run: npm install --prefix benchmarks)`;
}

function runsScenario(impl: ImplInfo, scenario: ScenarioInfo): boolean {
  return scenario.implSpecific ? (impl.ownScenarios ?? []).includes(scenario.id) : true;
}

/** One row of a scenario and how to measure one run of it. */
interface Row {
  readonly result: ImplResult;
  /** Why it cannot run here, or undefined. */
  readonly missing: string | undefined;
  readonly id: string;
  measure(): Promise<Record<string, number>>;
}

async function runScenario(scenario: ScenarioInfo, options: RunOptions, pin: boolean, floor: Floor | Error | undefined): Promise<ScenarioResult | undefined> {
  const impls = options.impls.map(implInfo).filter((i) => runsScenario(i, scenario));
  if (impls.length === 0) {
    console.log(`\n### ${scenario.title}\n\nskipped: no selected implementation provides it (${scenario.note}).`);
    return undefined;
  }
  const params = options.quick ? scenario.quick : scenario.full;
  const results: ImplResult[] = impls.map((i) => ({
    id: i.id,
    label: i.label + (i.encoding === 'json' ? (scenario.jsonSuffix ?? '') : ''),
    encoding: i.encoding,
    runs: [],
    errors: [],
    summary: {},
  }));
  const timeoutMs = options.quick ? 60_000 : 240_000;
  const rows: Row[] = impls.map((impl, index) => ({
    result: results[index] as ImplResult,
    missing: unavailable(impl),
    id: impl.id,
    measure: () => runPair({ impl: impl.id, scenario: scenario.id, params, pin, timeoutMs }),
  }));
  if (scenario.id === 'latency' && floor !== undefined) {
    const result: ImplResult = { id: FLOOR_ID, label: FLOOR_LABEL, encoding: 'binary', runs: [], errors: [], summary: {} };
    results.unshift(result);
    rows.unshift({
      result,
      missing: floor instanceof Error ? floor.message : undefined,
      id: FLOOR_ID,
      measure: () => runFloor(floor as Floor, params, pin, timeoutMs),
    });
  }
  for (let run = 1; run <= options.runs; run++) {
    for (const { result, missing, id, measure } of rows) {
      if (missing !== undefined) {
        if (run === 1) result.errors.push(missing);
        continue;
      }
      process.stderr.write(`  ${scenario.id} run ${run}/${options.runs} ${id} ... `);
      const started = Date.now();
      try {
        const metrics = await measure();
        // `round`: which interleaved round it belongs to, so per-run ratios pair runs made together
        result.runs.push({ ...Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, roundSig(v, 6)])), round: run });
        process.stderr.write(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        result.errors.push(message);
        process.stderr.write(`FAILED: ${message}\n`);
      }
    }
  }
  const out: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    note: scenario.note,
    params,
    metrics: scenario.metrics,
    impls: results,
    quick: options.quick,
  };
  summarize(out);
  console.log(`\n${scenarioTable(out)}\n\n${runsTable(out)}`);
  return out;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.report) return report(options.outDir ?? benchPath(options.quick ? 'results/tmp' : 'results'));
  let pin = options.pin ?? canPin();
  if (pin && !canPin()) {
    console.warn('warning: --pin ignored: taskset is not available or there are fewer than 2 CPUs');
    pin = false;
  }
  const meta = runMeta({ pinned: pin, quick: options.quick, runs: options.runs });
  console.log(
    `sidewire benchmarks: ${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), ` +
      `${options.runs} run(s)${options.quick ? ', quick counts' : ''}${pin ? ', client on CPU 0 and server on CPU 1' : ', not pinned'}`,
  );
  console.log(`implementations: ${options.impls.join(', ')}`);
  if (meta.loadAvg > meta.cpus * 0.5) {
    console.warn(`warning: load average ${meta.loadAvg} on ${meta.cpus} CPUs: other work is running, results will be noisy`);
  }
  if (!options.impls.includes(SIDEWIRE_ID)) console.log('(no sidewire JSON-mode rows: ratios are against raw net NDJSON)');
  if (options.impls.some(isSidewireImpl)) {
    // measure the compiled JS users run; spawnChild passes process.env, so every sidewire child loads it (load.ts)
    if (process.env[BUILD_ENV] === undefined) process.env[BUILD_ENV] = buildSidewire();
    console.log(`sidewire from ${sidewireSource()}`);
  }
  let floor: Floor | Error | undefined;
  if (options.scenarios.includes('latency')) {
    try {
      floor = buildFloor();
    } catch (err) {
      floor = err instanceof Error ? err : new Error(String(err));
      console.warn(`warning: ${floor.message}`);
    }
  }
  const scenarios: ScenarioResult[] = [];
  try {
    for (const id of options.scenarios) {
      const result = await runScenario(scenarioInfo(id), options, pin, floor);
      if (result) scenarios.push(result);
    }
  } finally {
    if (floor !== undefined && !(floor instanceof Error)) floor.dispose();
  }
  if (scenarios.length === 0) return 1;
  const verdicts = targetVerdicts(scenarios);
  if (verdicts !== '') console.log(`\n${verdicts}`);
  const outDir = options.outDir ?? benchPath(options.quick ? 'results/tmp' : 'results');
  const finalMeta = { ...meta, loadAvgEnd: Number((loadavg()[0] ?? 0).toFixed(2)) };
  const latest = writeResults(outDir, { meta: finalMeta, scenarios });
  const svgPath = join(outDir, 'latest.svg');
  writeFileSync(svgPath, renderSvg(latest));
  console.log(`\nload average: ${meta.loadAvg} at the start, ${finalMeta.loadAvgEnd} at the end`);
  console.log(`results: ${outDir} (${meta.date.slice(0, 10)}-<scenario>.json, latest.json, latest.svg)`);
  // A missing peer package is not a failure; a failed run, and a floor that could not be built, are.
  const failed = scenarios.some((s) => s.impls.some((i) => i.errors.length > 0 && (i.id === FLOOR_ID || unavailable(implInfo(i.id)) === undefined)));
  return failed ? 1 : 0;
}

/** `--report`: tables of the saved latest.json, and a redrawn latest.svg. */
function report(outDir: string): number {
  const latestPath = join(outDir, 'latest.json');
  if (!existsSync(latestPath)) {
    console.error(`no results yet: ${latestPath} does not exist (run a benchmark first)`);
    return 1;
  }
  const latest = JSON.parse(readFileSync(latestPath, 'utf8')) as ResultsFile;
  const m = latest.meta;
  console.log(
    `${m.date.slice(0, 10)}, Node ${m.node}, ${m.cpus} CPUs (${m.cpuModel}), ${m.runs} run(s), ` +
      `${m.pinned ? 'pinned' : 'not pinned'}, load average ${m.loadAvg}${m.loadAvgEnd === undefined ? '' : `–${m.loadAvgEnd}`}`,
  );
  for (const scenario of latest.scenarios) console.log(`\n${scenarioTable(scenario)}\n\n${runsTable(scenario)}`);
  const verdicts = targetVerdicts(latest.scenarios);
  if (verdicts !== '') console.log(`\n${verdicts}`);
  writeFileSync(join(outDir, 'latest.svg'), renderSvg(latest));
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    abortPairs();
    process.stderr.write(`\n${signal}: stopped, child processes killed\n`);
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
