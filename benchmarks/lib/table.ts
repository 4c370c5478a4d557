/**
 * Plain-text (Markdown-compatible) tables of scenario results: median with [min–max] per metric,
 * the ratio to the baseline, and sidewire's ratio to each peer once sidewire rows exist.
 */
import { compact, ratio } from './format.js';
import type { ScenarioResult } from './results.js';

function cell(median: number | undefined, min: number | undefined, max: number | undefined, runs: number): string {
  const m = compact(median);
  if (runs < 2 || median === undefined || !Number.isFinite(median)) return m;
  return `${m} [${compact(min)}–${compact(max)}]`;
}

/** One Markdown table for `scenario`. */
export function scenarioTable(scenario: ScenarioResult): string {
  const baselineLabel = scenario.impls.find((i) => i.id === scenario.baseline)?.label ?? 'baseline';
  const hasSidewire = scenario.impls.some((i) => i.sidewireOver !== undefined);
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
        return cell(s?.median, s?.min, s?.max, n);
      }),
      ratio(impl.vsBaseline),
      ...(hasSidewire ? [ratio(impl.sidewireOver)] : []),
    ];
  });
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((text, c) => text.padEnd(widths[c] as number)).join(' | ')} |`;
  const primary = scenario.metrics[0];
  const direction = primary?.higherIsBetter ? 'higher is better' : 'lower is better';
  return [
    `### ${scenario.title}${scenario.quick ? ' (quick counts)' : ''}`,
    '',
    line(headers),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
    '',
    `median [min–max] of ${Math.max(0, ...scenario.impls.map((i) => i.runs.length))} run(s); ` +
      `"vs ${baselineLabel}" compares ${primary?.label ?? 'the first metric'} (${direction}) as speed: ` +
      `>1× means faster than ${baselineLabel}. ${scenario.note}.`,
  ].join('\n');
}
