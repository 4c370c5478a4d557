/**
 * A hand-written SVG chart: one small horizontal bar chart per scenario (median bar, min–max
 * whisker, value and secondary metrics as text). No chart dependencies.
 */
import { compact } from './format.js';
import type { ResultsFile, ScenarioResult } from './results.js';

const WIDTH = 920;
const LABEL_W = 190;
const BAR_W = 330;
const ROW_H = 24;
const HEAD_H = 46;
const GAP = 18;
const COLORS: Readonly<Record<string, string>> = {
  sidewire: '#d9480f',
  'sidewire-binary': '#f59f00',
  'raw-ndjson': '#1c7ed6',
  'raw-lp': '#0b7285',
  'node-ipc': '#7048e8',
  zeromq: '#2b8a3e',
  'vscode-jsonrpc': '#c2255c',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function panel(scenario: ScenarioResult, top: number): { svg: string; height: number } {
  const primary = scenario.metrics[0];
  const rows = scenario.impls.filter((i) => i.runs.length > 0);
  if (primary === undefined || rows.length === 0) return { svg: '', height: 0 };
  const scaleMax = Math.max(...rows.map((r) => r.summary[primary.key]?.max ?? 0), 1e-9);
  const x = (v: number): number => LABEL_W + (Math.max(0, v) / scaleMax) * BAR_W;
  const direction = primary.higherIsBetter ? 'higher is better' : 'lower is better';
  const parts: string[] = [
    `<text x="10" y="${top + 18}" class="title">${esc(scenario.title)}${scenario.quick ? ' (quick counts)' : ''}</text>`,
    `<text x="10" y="${top + 36}" class="sub">${esc(`${primary.label === primary.unit ? primary.unit : `${primary.label} in ${primary.unit}`}, ${direction}; bar = median, whisker = min–max`)}</text>`,
  ];
  rows.forEach((impl, index) => {
    const y = top + HEAD_H + index * ROW_H;
    const s = impl.summary[primary.key];
    const median = s?.median ?? 0;
    const color = COLORS[impl.id] ?? '#495057';
    const extras = scenario.metrics
      .slice(1)
      .map((m) => `${m.label} ${compact(impl.summary[m.key]?.median)}${m.unit === primary.unit ? '' : ` ${m.unit}`}`)
      .join(' · ');
    const value = `${compact(median)} ${primary.unit}${extras ? `  (${extras})` : ''}`;
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 15}" class="label" text-anchor="end">${esc(impl.label)}</text>`,
      `<rect x="${LABEL_W}" y="${y + 4}" width="${(x(median) - LABEL_W).toFixed(1)}" height="${ROW_H - 8}" fill="${color}" rx="2"><title>${esc(`${impl.label}: ${value}`)}</title></rect>`,
    );
    if (s && s.n > 1) {
      const mid = y + ROW_H / 2;
      parts.push(
        `<path d="M${x(s.min).toFixed(1)} ${mid} H${x(s.max).toFixed(1)} M${x(s.min).toFixed(1)} ${mid - 5} V${mid + 5} M${x(s.max).toFixed(1)} ${mid - 5} V${mid + 5}" class="whisker"/>`,
      );
    }
    parts.push(`<text x="${LABEL_W + BAR_W + 8}" y="${y + 15}" class="value">${esc(value)}</text>`);
  });
  return { svg: parts.join('\n'), height: HEAD_H + rows.length * ROW_H };
}

/** The whole chart for `results` as an SVG document. */
export function renderSvg(results: ResultsFile): string {
  const panels: string[] = [];
  let top = 58;
  for (const scenario of results.scenarios) {
    const p = panel(scenario, top);
    if (p.height === 0) continue;
    panels.push(p.svg);
    top += p.height + GAP;
  }
  const m = results.meta;
  const heading = `sidewire benchmarks — ${m.date.slice(0, 10)}, Node ${m.node}, ${m.cpus} CPUs`;
  const details =
    `client and server in separate processes over a unix socket; median of ${m.runs} run(s)` +
    `${m.quick ? ' (quick counts)' : ''}; ${m.pinned ? 'pinned' : 'not pinned'}; ` +
    `load average ${m.loadAvg}${m.loadAvgEnd === undefined ? '' : `–${m.loadAvgEnd}`}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>.title{font-size:14px;font-weight:600;fill:#212529}.sub{font-size:11px;fill:#868e96}' +
      '.label{font-size:12px;fill:#343a40}.value{font-size:11px;fill:#343a40}.whisker{stroke:#212529;stroke-width:1.2;fill:none}' +
      '.heading{font-size:16px;font-weight:700;fill:#212529}</style>',
    `<rect width="${WIDTH}" height="${top}" fill="#ffffff"/>`,
    `<text x="10" y="24" class="heading">${esc(heading)}</text>`,
    `<text x="10" y="42" class="sub">${esc(details)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
