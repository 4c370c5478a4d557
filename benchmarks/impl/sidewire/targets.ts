/**
 * The performance targets of sidewire's JSON mode (issue 8), each a ratio against raw net NDJSON
 * (`raw-ndjson`, the Node.js ceiling for JSON) taken from the medians of one run:
 * - round-trip p50 <= 1.15 × raw net NDJSON's;
 * - one-way msg/s >= 0.8 × raw net NDJSON's;
 * - pipelined req/s (64 in flight) >= 0.8 × raw net NDJSON's;
 * - server peak RSS under the one-way flood <= 1.5 × raw net NDJSON's.
 * `targetVerdicts` prints PASS/MISS per target with the ratio (or why it could not be judged).
 */
import type { ScenarioResult } from '../../lib/results.js';

export interface Target {
  /** Scenario id the metric comes from. */
  readonly scenario: string;
  /** Metric key in the scenario's results. */
  readonly metric: string;
  /** What the target says, for the verdict line. */
  readonly label: string;
  /** `max`: sidewire ÷ raw must be at most `limit`; `min`: at least. */
  readonly kind: 'max' | 'min';
  readonly limit: number;
}

/** The implementation the targets compare sidewire with. */
export const TARGET_BASELINE = 'raw-ndjson';

export const TARGETS: readonly Target[] = [
  { scenario: 'latency', metric: 'p50Us', label: 'round-trip p50', kind: 'max', limit: 1.15 },
  { scenario: 'oneway', metric: 'msgPerSec', label: 'one-way msg/s', kind: 'min', limit: 0.8 },
  { scenario: 'inflight', metric: 'reqPerSec', label: 'pipelined req/s (64 in flight)', kind: 'min', limit: 0.8 },
  { scenario: 'oneway', metric: 'serverRssMiB', label: 'server peak RSS, one-way flood', kind: 'max', limit: 1.5 },
];

export interface Verdict {
  readonly target: Target;
  /** sidewire ÷ raw-ndjson of the metric's medians; undefined when either row is missing. */
  readonly ratio?: number;
  readonly pass?: boolean;
}

function medianOf(scenario: ScenarioResult, impl: string, metric: string): number | undefined {
  const row = scenario.impls.find((i) => i.id === impl && i.runs.length > 0);
  const value = row?.summary[metric]?.median;
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Judges every target whose scenario is in `scenarios`. */
export function judgeTargets(scenarios: readonly ScenarioResult[]): Verdict[] {
  const out: Verdict[] = [];
  for (const target of TARGETS) {
    const scenario = scenarios.find((s) => s.id === target.scenario);
    if (scenario === undefined) continue;
    const mine = medianOf(scenario, 'sidewire', target.metric);
    const theirs = medianOf(scenario, TARGET_BASELINE, target.metric);
    if (mine === undefined || theirs === undefined) {
      out.push({ target });
      continue;
    }
    const ratio = mine / theirs;
    out.push({ target, ratio, pass: target.kind === 'max' ? ratio <= target.limit : ratio >= target.limit });
  }
  return out;
}

/** The verdict lines (empty string when no target's scenario ran). */
export function targetVerdicts(scenarios: readonly ScenarioResult[]): string {
  const verdicts = judgeTargets(scenarios);
  if (verdicts.length === 0) return '';
  const lines = verdicts.map(({ target, ratio, pass }) => {
    const rule = `sidewire ÷ raw net NDJSON ${target.kind === 'max' ? '<=' : '>='} ${target.limit}`;
    if (ratio === undefined) return `- n/a   ${target.label}: needs both sidewire and raw-ndjson rows (${rule})`;
    return `- ${pass ? 'PASS' : 'MISS'}  ${target.label}: ${ratio.toFixed(3)}× (${rule})`;
  });
  const quick = scenarios.some((s) => s.quick) ? ' (quick counts: indicative only)' : '';
  return [`### sidewire JSON-mode targets${quick}`, '', ...lines].join('\n');
}
