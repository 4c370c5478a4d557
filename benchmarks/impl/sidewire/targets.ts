/**
 * The performance targets of sidewire's JSON mode (issue 8), each a ratio against raw net NDJSON
 * (`raw-ndjson`, the Node.js ceiling for JSON) taken from the medians of one run:
 * - round-trip p50 <= 1.15 × raw net NDJSON's;
 * - one-way msg/s >= 0.8 × raw net NDJSON's;
 * - pipelined req/s (64 in flight) >= 0.8 × raw net NDJSON's;
 * - server peak RSS under the one-way flood <= 1.5 × raw net NDJSON's.
 *
 * The targets of binary mode (issue 9), `sidewire-binary` against the binary peers in the same run:
 * - one-way msg/s >= 0.5 × raw net length-prefix's (`raw-lp`, the transport ceiling);
 * - pipelined req/s (64 in flight) >= 0.8 × raw-lp's;
 * - 1 MiB MB/s >= 0.9 × raw-lp's and >= 1.0 × zeromq's.
 *
 * `targetVerdicts` prints PASS/MISS per target with the ratio (or, for the JSON-mode targets, why
 * it could not be judged; a binary-mode target whose rows are missing is left out).
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

/** The implementation the binary-mode targets judge. */
export const BINARY_ID = 'sidewire-binary';

/** A binary-mode target: `sidewire-binary` ÷ `baseline`. */
export interface BinaryTarget extends Target {
  /** The implementation sidewire's binary mode is compared with. */
  readonly baseline: string;
}

export const BINARY_TARGETS: readonly BinaryTarget[] = [
  { scenario: 'oneway', metric: 'msgPerSec', label: 'one-way msg/s', kind: 'min', limit: 0.5, baseline: 'raw-lp' },
  { scenario: 'inflight', metric: 'reqPerSec', label: 'pipelined req/s (64 in flight)', kind: 'min', limit: 0.8, baseline: 'raw-lp' },
  { scenario: 'bulk', metric: 'mbPerSec', label: '1 MiB one-way MB/s', kind: 'min', limit: 0.9, baseline: 'raw-lp' },
  { scenario: 'bulk', metric: 'mbPerSec', label: '1 MiB one-way MB/s', kind: 'min', limit: 1.0, baseline: 'zeromq' },
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

/** `mine ÷ theirs` of `target`'s metric in `scenario`; without ratio when either row is missing. */
function judge<T extends Target>(target: T, scenario: ScenarioResult, mine: string, theirs: string): { target: T; ratio?: number; pass?: boolean } {
  const a = medianOf(scenario, mine, target.metric);
  const b = medianOf(scenario, theirs, target.metric);
  if (a === undefined || b === undefined) return { target };
  const ratio = a / b;
  return { target, ratio, pass: target.kind === 'max' ? ratio <= target.limit : ratio >= target.limit };
}

/** Judges every target whose scenario is in `scenarios`. */
export function judgeTargets(scenarios: readonly ScenarioResult[]): Verdict[] {
  const out: Verdict[] = [];
  for (const target of TARGETS) {
    const scenario = scenarios.find((s) => s.id === target.scenario);
    if (scenario === undefined) continue;
    out.push(judge(target, scenario, 'sidewire', TARGET_BASELINE));
  }
  return out;
}

export interface BinaryVerdict {
  readonly target: BinaryTarget;
  /** sidewire-binary ÷ the target's baseline, of the metric's medians. */
  readonly ratio: number;
  readonly pass: boolean;
}

/** Judges every binary-mode target whose scenario ran with both rows (the others are left out). */
export function judgeBinaryTargets(scenarios: readonly ScenarioResult[]): BinaryVerdict[] {
  const out: BinaryVerdict[] = [];
  for (const target of BINARY_TARGETS) {
    const scenario = scenarios.find((s) => s.id === target.scenario);
    if (scenario === undefined) continue;
    const { ratio, pass } = judge(target, scenario, BINARY_ID, target.baseline);
    if (ratio !== undefined && pass !== undefined) out.push({ target, ratio, pass });
  }
  return out;
}

/** The JSON-mode verdict lines (empty string when no target's scenario ran). */
function jsonVerdicts(scenarios: readonly ScenarioResult[], quick: string): string {
  const verdicts = judgeTargets(scenarios);
  if (verdicts.length === 0) return '';
  const lines = verdicts.map(({ target, ratio, pass }) => {
    const rule = `sidewire ÷ raw net NDJSON ${target.kind === 'max' ? '<=' : '>='} ${target.limit}`;
    if (ratio === undefined) return `- n/a   ${target.label}: needs both sidewire and raw-ndjson rows (${rule})`;
    return `- ${pass ? 'PASS' : 'MISS'}  ${target.label}: ${ratio.toFixed(3)}× (${rule})`;
  });
  return [`### sidewire JSON-mode targets${quick}`, '', ...lines].join('\n');
}

/** The binary-mode verdict lines (empty string when none could be judged). */
function binaryVerdicts(scenarios: readonly ScenarioResult[], quick: string): string {
  const verdicts = judgeBinaryTargets(scenarios);
  if (verdicts.length === 0) return '';
  const lines = verdicts.map(({ target, ratio, pass }) => {
    const rule = `sidewire-binary ÷ ${implInfo(target.baseline).label} ${target.kind === 'max' ? '<=' : '>='} ${target.limit}`;
    return `- ${pass ? 'PASS' : 'MISS'}  ${target.label}: ${ratio.toFixed(3)}× (${rule})`;
  });
  return [`### sidewire binary-mode targets${quick}`, '', ...lines].join('\n');
}

/** The verdict lines of both modes (empty string when there are none). */
export function targetVerdicts(scenarios: readonly ScenarioResult[]): string {
  const quick = scenarios.some((s) => s.quick) ? ' (quick counts: indicative only)' : '';
  return [jsonVerdicts(scenarios, quick), binaryVerdicts(scenarios, quick)].filter((text) => text !== '').join('\n\n');
}
