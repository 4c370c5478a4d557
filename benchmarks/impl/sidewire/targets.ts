/**
 * sidewire's performance targets, each a ratio against a peer measured in the same run; the
 * verdicts print PASS/MISS with the ratio of the medians and the ratio of every run (runs paired
 * by their interleaved round).
 *
 * JSON mode (`sidewire`), against raw net NDJSON (`raw-ndjson`, the Node.js ceiling for JSON)
 * unless another peer is named:
 * - round-trip p50 <= 1.10× (issue 25; was 1.15×);
 * - round-trip p99.9 <= 1.3× raw NDJSON's and <= 1.3× node-ipc's (issue 25);
 * - one-way msg/s >= 0.8×; pipelined req/s (64 in flight) >= 0.8×;
 * - server peak RSS under the one-way flood <= 1.5×.
 *
 * Binary mode (`sidewire-binary`), against raw net length-prefix (`raw-lp`, the transport
 * ceiling) unless another peer is named:
 * - round-trip p99.9 <= 1.3× (issue 25);
 * - one-way msg/s >= 0.8× in every run, not only the median (issue 25; was 0.5× of the median);
 * - pipelined req/s (64 in flight) >= 0.8×;
 * - 1 MiB MB/s >= 0.9× raw-lp's and >= 1.0× zeromq's.
 *
 * A JSON-mode target whose rows are missing prints n/a; a binary-mode one is left out.
 */
import type { ScenarioResult } from '../../lib/results.js';
import { implInfo } from '../registry.js';

export interface Target {
  /** Scenario id the metric comes from. */
  readonly scenario: string;
  /** Metric key in the scenario's results. */
  readonly metric: string;
  /** What the target says, for the verdict line. */
  readonly label: string;
  /** `max`: sidewire ÷ peer must be at most `limit`; `min`: at least. */
  readonly kind: 'max' | 'min';
  readonly limit: number;
  /** The peer; default: raw-ndjson (JSON mode), raw-lp (binary mode). */
  readonly baseline?: string;
  /** Every run must meet the limit (runs paired by round), not only the medians. */
  readonly everyRun?: boolean;
}

/** The implementation the JSON-mode targets compare sidewire with by default. */
export const TARGET_BASELINE = 'raw-ndjson';

export const TARGETS: readonly Target[] = [
  { scenario: 'latency', metric: 'p50Us', label: 'round-trip p50', kind: 'max', limit: 1.1 },
  { scenario: 'latency', metric: 'p999Us', label: 'round-trip p99.9', kind: 'max', limit: 1.3 },
  { scenario: 'latency', metric: 'p999Us', label: 'round-trip p99.9', kind: 'max', limit: 1.3, baseline: 'node-ipc' },
  { scenario: 'oneway', metric: 'msgPerSec', label: 'one-way msg/s', kind: 'min', limit: 0.8 },
  { scenario: 'inflight', metric: 'reqPerSec', label: 'pipelined req/s (64 in flight)', kind: 'min', limit: 0.8 },
  { scenario: 'oneway', metric: 'serverRssMiB', label: 'server peak RSS, one-way flood', kind: 'max', limit: 1.5 },
];

/** The implementation the binary-mode targets judge. */
export const BINARY_ID = 'sidewire-binary';
/** The implementation the binary-mode targets compare it with by default. */
export const BINARY_BASELINE = 'raw-lp';

export const BINARY_TARGETS: readonly Target[] = [
  { scenario: 'latency', metric: 'p999Us', label: 'round-trip p99.9', kind: 'max', limit: 1.3 },
  { scenario: 'oneway', metric: 'msgPerSec', label: 'one-way msg/s', kind: 'min', limit: 0.8, everyRun: true },
  { scenario: 'inflight', metric: 'reqPerSec', label: 'pipelined req/s (64 in flight)', kind: 'min', limit: 0.8 },
  { scenario: 'bulk', metric: 'mbPerSec', label: '1 MiB one-way MB/s', kind: 'min', limit: 0.9 },
  { scenario: 'bulk', metric: 'mbPerSec', label: '1 MiB one-way MB/s', kind: 'min', limit: 1.0, baseline: 'zeromq' },
];

export interface Verdict {
  readonly target: Target;
  /** The peer it was judged against. */
  readonly baseline: string;
  /** mine ÷ peer of the medians; undefined when either row is missing. */
  readonly ratio?: number;
  /** mine ÷ peer of every round both ran, in round order. */
  readonly runs: readonly number[];
  readonly pass?: boolean;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function meets(target: Target, ratio: number): boolean {
  return target.kind === 'max' ? ratio <= target.limit : ratio >= target.limit;
}

/** Judges `target` in `scenario`: `mine` ÷ `theirs`, of the medians and of every round. */
function judge(target: Target, scenario: ScenarioResult, mine: string, theirs: string): Verdict {
  const row = (id: string) => scenario.impls.find((i) => i.id === id && i.runs.length > 0);
  const a = row(mine);
  const b = row(theirs);
  const am = positive(a?.summary[target.metric]?.median);
  const bm = positive(b?.summary[target.metric]?.median);
  if (a === undefined || b === undefined || am === undefined || bm === undefined) return { target, baseline: theirs, runs: [] };
  const runs: number[] = [];
  a.runs.forEach((run, index) => {
    const round = run['round'] ?? index + 1;
    const other = b.runs.find((x, j) => (x['round'] ?? j + 1) === round);
    const x = positive(run[target.metric]);
    const y = positive(other?.[target.metric]);
    if (x !== undefined && y !== undefined) runs.push(x / y);
  });
  const ratio = am / bm;
  const pass = target.everyRun === true ? runs.length > 0 && runs.every((r) => meets(target, r)) : meets(target, ratio);
  return { target, baseline: theirs, ratio, runs, pass };
}

function judgeAll(scenarios: readonly ScenarioResult[], targets: readonly Target[], mine: string, baseline: string): Verdict[] {
  const out: Verdict[] = [];
  for (const target of targets) {
    const scenario = scenarios.find((s) => s.id === target.scenario);
    if (scenario !== undefined) out.push(judge(target, scenario, mine, target.baseline ?? baseline));
  }
  return out;
}

/** Judges every JSON-mode target whose scenario is in `scenarios`. */
export function judgeTargets(scenarios: readonly ScenarioResult[]): Verdict[] {
  return judgeAll(scenarios, TARGETS, 'sidewire', TARGET_BASELINE);
}

/** Judges every binary-mode target whose scenario ran with both rows (the others are left out). */
export function judgeBinaryTargets(scenarios: readonly ScenarioResult[]): Verdict[] {
  return judgeAll(scenarios, BINARY_TARGETS, BINARY_ID, BINARY_BASELINE).filter((v) => v.ratio !== undefined);
}

/** One verdict line: PASS/MISS, the ratio of the medians, every run's, and the rule. */
function verdictLine(v: Verdict, mine: string): string {
  const t = v.target;
  const rule = `${mine} ÷ ${implInfo(v.baseline).label} ${t.kind === 'max' ? '<=' : '>='} ${t.limit}${t.everyRun === true ? ' in every run' : ''}`;
  if (v.ratio === undefined) return `- n/a   ${t.label}: needs both rows (${rule})`;
  const runs = v.runs.length > 1 ? `; runs ${v.runs.map((r) => `${r.toFixed(3)}×`).join(', ')}` : '';
  return `- ${v.pass === true ? 'PASS' : 'MISS'}  ${t.label}: ${v.ratio.toFixed(3)}× of the medians${runs} (${rule})`;
}

/** The verdict lines of both modes (empty string when there are none). */
export function targetVerdicts(scenarios: readonly ScenarioResult[]): string {
  const quick = scenarios.some((s) => s.quick) ? ' (quick counts: indicative only)' : '';
  const json = judgeTargets(scenarios);
  const binary = judgeBinaryTargets(scenarios);
  const parts: string[] = [];
  if (json.length > 0) parts.push([`### sidewire JSON-mode targets${quick}`, '', ...json.map((v) => verdictLine(v, 'sidewire'))].join('\n'));
  if (binary.length > 0) parts.push([`### sidewire binary-mode targets${quick}`, '', ...binary.map((v) => verdictLine(v, 'sidewire-binary'))].join('\n'));
  return parts.join('\n\n');
}
