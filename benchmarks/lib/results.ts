/**
 * Result records: per-run metrics, their median and spread, ratios, and the JSON files
 * (`<date>-<scenario>.json` per scenario and a merged `latest.json`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { FALLBACK_BASELINE_ID, SIDEWIRE_ID } from '../impl/registry.js';
import type { MetricInfo, ScenarioParams } from './scenarios.js';
import { roundSig, spread, type Spread } from './stats.js';

export interface RunMeta {
  /** When the run started (ISO). */
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** 1-minute load average when the run started (other work on the machine skews results). */
  readonly loadAvg: number;
  /** 1-minute load average when the run finished. */
  readonly loadAvgEnd?: number;
  readonly pinned: boolean;
  readonly quick: boolean;
  readonly runs: number;
}

export interface ImplResult {
  readonly id: string;
  readonly label: string;
  readonly encoding: 'json' | 'binary';
  /** Metrics of every successful run, in run order. */
  readonly runs: Record<string, number>[];
  /** One message per failed run. */
  readonly errors: string[];
  /** Median and min–max per metric key (filled by `summarize`). */
  summary: Record<string, Spread>;
  /** Throughput of the baseline relative to this row ("× baseline"); 1 for the baseline itself. */
  vsBaseline?: number;
  /** sidewire's speed divided by this row's (only when sidewire rows exist). */
  sidewireOver?: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly note: string;
  readonly params: ScenarioParams;
  readonly metrics: readonly MetricInfo[];
  readonly impls: ImplResult[];
  /** The row the `vsBaseline` ratios divide by. */
  baseline?: string;
  /** Set when the scenario ran with counts different from a full run (`--quick`). */
  readonly quick: boolean;
}

export interface ResultsFile {
  readonly meta: RunMeta;
  readonly scenarios: ScenarioResult[];
}

export function runMeta(options: { pinned: boolean; quick: boolean; runs: number }): RunMeta {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    loadAvg: Number((loadavg()[0] ?? 0).toFixed(2)),
    ...options,
  };
}

/** "Speed" of a row for its primary metric: bigger is better either way. */
function speed(result: ImplResult, primary: MetricInfo): number | undefined {
  const value = result.summary[primary.key]?.median;
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  return primary.higherIsBetter ? value : 1 / value;
}

/** Fills `summary` of every row and the ratio columns of the scenario. */
export function summarize(scenario: ScenarioResult): void {
  for (const impl of scenario.impls) {
    impl.summary = {};
    for (const metric of scenario.metrics) {
      const values = impl.runs.map((r) => r[metric.key]).filter((v): v is number => typeof v === 'number');
      const s = spread(values);
      impl.summary[metric.key] = { median: roundSig(s.median), min: roundSig(s.min), max: roundSig(s.max), n: s.n };
    }
  }
  const primary = scenario.metrics[0] as MetricInfo;
  const byId = (id: string): ImplResult | undefined => scenario.impls.find((i) => i.id === id && i.runs.length > 0);
  const sidewire = byId(SIDEWIRE_ID);
  const baseline = sidewire ?? byId(FALLBACK_BASELINE_ID);
  scenario.baseline = baseline?.id;
  const baseSpeed = baseline && speed(baseline, primary);
  const sidewireSpeed = sidewire && speed(sidewire, primary);
  for (const impl of scenario.impls) {
    const own = speed(impl, primary);
    delete impl.vsBaseline;
    delete impl.sidewireOver;
    if (own !== undefined && baseSpeed !== undefined) impl.vsBaseline = roundSig(own / baseSpeed, 3);
    if (own !== undefined && sidewireSpeed !== undefined) impl.sidewireOver = roundSig(sidewireSpeed / own, 3);
  }
}

/** `YYYY-MM-DD` of `iso` (UTC). */
function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * Writes `<outDir>/<date>-<scenario>.json` for every scenario of `results` and merges them into
 * `<outDir>/latest.json` (scenarios not run this time keep their previous entry). Returns the
 * merged file.
 */
export function writeResults(outDir: string, results: ResultsFile): ResultsFile {
  mkdirSync(outDir, { recursive: true });
  for (const scenario of results.scenarios) {
    const file = join(outDir, `${day(results.meta.date)}-${scenario.id}.json`);
    writeFileSync(file, JSON.stringify({ meta: results.meta, scenario }, null, 2) + '\n');
  }
  const latestPath = join(outDir, 'latest.json');
  let previous: (ScenarioResult & { meta?: RunMeta })[] = [];
  if (existsSync(latestPath)) {
    try {
      const old = JSON.parse(readFileSync(latestPath, 'utf8')) as ResultsFile;
      previous = old.scenarios.map((s) => ({ ...s, meta: (s as { meta?: RunMeta }).meta ?? old.meta }));
    } catch {
      previous = [];
    }
  }
  const fresh = results.scenarios.map((s) => ({ ...s, meta: results.meta }));
  const merged = [...previous.filter((p) => !fresh.some((f) => f.id === p.id)), ...fresh];
  const order = ['latency', 'oneway', 'inflight', 'bulk', 'metrics'];
  merged.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const latest: ResultsFile = { meta: results.meta, scenarios: merged };
  writeFileSync(latestPath, JSON.stringify(latest, null, 2) + '\n');
  return latest;
}
