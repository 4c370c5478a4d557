/**
 * Plain-text (Markdown-compatible) tables of scenario results: median with [min–max] per metric,
 * the ratio to the baseline, and sidewire's ratio to each peer once sidewire rows exist; with the
 * C floor in the results (latency), every figure also as a multiple of the floor's. `runsTable`
 * shows every run, not only the median.
 */
import { compact, ratio } from './format.js';
import { FLOOR_ID } from './native-floor.js';
import type { ImplResult, ScenarioResult } from './results.js';

/** The C floor's row, when it ran. */
function floorRow(scenario: ScenarioResult): ImplResult | undefined {
  return scenario.impls.find((i) => i.id === FLOOR_ID && i.runs.length > 0);
}

/** ` (2.1×)`: `value` as a multiple of `floor`, or '' without a floor. */
function timesFloor(value: number | undefined, floor: number | undefined): string {
  if (value === undefined || floor === undefined || !Number.isFinite(value) || !(floor > 0)) return '';
  return ` (${(value / floor).toFixed(1)}×)`;
}

/** Markdown table lines of `headers` and `rows`, columns padded. */
function markdown(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((text, c) => text.padEnd(widths[c] as number)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

/**
 * Every run of every row, in the order they were made (interleaved rounds): each metric, and with
 * the C floor, its multiple of the floor measured in the same round.
 */
export function runsTable(scenario: ScenarioResult): string {
  const floor = floorRow(scenario);
  const rounds = Math.max(0, ...scenario.impls.flatMap((i) => i.runs.map((r, index) => r['round'] ?? index + 1)));
  const headers = ['implementation', ...Array.from({ length: rounds }, (_, r) => `run ${r + 1}`)];
  const rows = scenario.impls
    .filter((impl) => impl.runs.length > 0)
    .map((impl) => [
      impl.label,
      ...Array.from({ length: rounds }, (_, r) => {
        const run = impl.runs.find((x, index) => (x['round'] ?? index + 1) === r + 1);
        if (run === undefined) return 'failed';
        const base = floor?.runs.find((x, index) => (x['round'] ?? index + 1) === r + 1);
        const values = scenario.metrics.map((m) => compact(run[m.key]));
        const multiples = base === undefined || impl === floor ? [] : scenario.metrics.map((m) => timesFloor(run[m.key], base[m.key]).slice(2, -1));
        return values.join(' / ') + (multiples.length > 0 && multiples.every((x) => x !== '') ? ` (${multiples.join(' / ')})` : '');
      }),
    ]);
  const what = scenario.metrics.map((m) => (m.label === m.unit ? m.label : `${m.label} (${m.unit})`)).join(' / ');
  return [
    `every run (${what})${floor === undefined ? '' : ', in brackets: multiples of the C floor of the same round'}:`,
    '',
    ...markdown(headers, rows),
  ].join('\n');
}

function cell(median: number | undefined, min: number | undefined, max: number | undefined, runs: number): string {
  const m = compact(median);
  if (runs < 2 || median === undefined || !Number.isFinite(median)) return m;
  return `${m} [${compact(min)}–${compact(max)}]`;
}

/** One Markdown table for `scenario`. */
export function scenarioTable(scenario: ScenarioResult): string {
  const baselineLabel = scenario.impls.find((i) => i.id === scenario.baseline)?.label ?? 'baseline';
  const hasSidewire = scenario.impls.some((i) => i.sidewireOver !== undefined);
  const floor = floorRow(scenario);
  const headers = [
    'implementation',
    ...scenario.metrics.map((m) => (m.label === m.unit ? m.label : `${m.label} (${m.unit})`)),
    `vs ${baselineLabel}`,
    ...(hasSidewire ? ['sidewire ÷ this'] : []),
  ];
  const rows = scenario.impls.map((impl) => {
    if (impl.runs.length === 0) {
      const why = impl.errors[0] ?? 'no runs';
      return [impl.label, `failed: ${why.slice(0, 120)}`, ...scenario.metrics.slice(1).map(() => ''), '', ...(hasSidewire ? [''] : [])];
    }
    const n = impl.runs.length;
    return [
      impl.label + (impl.errors.length > 0 ? ` (${impl.errors.length} failed run(s))` : ''),
      ...scenario.metrics.map((m) => {
        const s = impl.summary[m.key];
        return cell(s?.median, s?.min, s?.max, n) + (impl === floor ? '' : timesFloor(s?.median, floor?.summary[m.key]?.median));
      }),
      ratio(impl.vsBaseline),
      ...(hasSidewire ? [ratio(impl.sidewireOver)] : []),
    ];
  });
  const primary = scenario.metrics[0];
  const direction = primary?.higherIsBetter ? 'higher is better' : 'lower is better';
  return [
    `### ${scenario.title}${scenario.quick ? ' (quick counts)' : ''}`,
    '',
    ...markdown(headers, rows),
    '',
    `median [min–max] of ${Math.max(0, ...scenario.impls.map((i) => i.runs.length))} run(s); ` +
      `"vs ${baselineLabel}" compares ${primary?.label ?? 'the first metric'} (${direction}) as speed: ` +
      `>1× means faster than ${baselineLabel}. ${scenario.note}.` +
      (floor === undefined ? '' : ' (n×) after a figure: that median as a multiple of the C floor\'s median (same runs, same socket kind).'),
  ].join('\n');
}
