/**
 * The dashboard's HTML page (`GET /`, docs/observability.md "Dashboard"): one self-contained
 * document with uPlot and the page script inlined (no CDN), a strict Content-Security-Policy
 * with a per-response script nonce (inline styles allowed: uPlot sets them), and the controls
 * only when rendered for a valid token.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

/*
 * uPlot's script and stylesheet are read once: from dist/observability/dashboard-assets/ (copied
 * there by `npm run build`, so they ship in the package), else from the `uplot` package when
 * running from source. Without them the page still works, with tables and without charts.
 */
export interface DashboardAssets {
  readonly script: string;
  readonly css: string;
}

let cached: DashboardAssets | undefined;

function readAsset(file: string): string | undefined {
  const candidates: (() => string)[] = [
    () => fileURLToPath(new URL(`./dashboard-assets/${file}`, import.meta.url)),
    () => createRequire(import.meta.url).resolve(`uplot/dist/${file}`),
  ];
  for (const where of candidates) {
    try {
      const text = readFileSync(where(), 'utf8');
      if (text.length < 1_000_000) return text; // bounded: uPlot is ~50 kB
    } catch {
      // next candidate
    }
  }
  return undefined;
}

/** The assets, or empty strings when they cannot be found (the page then draws no charts). */
export function dashboardAssets(): DashboardAssets {
  cached ??= { script: readAsset('uPlot.iife.min.js') ?? '', css: readAsset('uPlot.min.css') ?? '' };
  return cached;
}


const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 20px; color: #1d2330; background: #f7f8fa; }
h1 { font-size: 18px; margin: 0 0 8px; } h2 { font-size: 15px; margin: 18px 0 6px; }
.bar { display: flex; gap: 18px; flex-wrap: wrap; align-items: baseline; }
.card { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 6px 12px; }
.card b { font-size: 18px; display: block; }
.state { font-weight: 600; } .state-running { color: #1a7f37; } .state-paused { color: #b35900; } .state-stopping, .state-stopped { color: #c62828; }
table { border-collapse: collapse; background: #fff; width: 100%; max-width: 1100px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eceff3; font-size: 13px; }
th { background: #eef1f5; } .muted { color: #7a8294; } code { font-size: 12px; }
button { font: inherit; padding: 4px 14px; margin-right: 6px; }
`;

/** The page; `controls` is true only when the request carried the right token. */
export function dashboardPage(controls: boolean): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const assets = dashboardAssets();
  const noScriptEnd = (s: string): string => s.replace(/<\/(script|style)/gi, '<\\/$1');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sidewire dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>${noScriptEnd(assets.css)}${STYLE}</style></head>
<body data-controls="${controls ? '1' : '0'}">
<h1>sidewire dashboard <span class="muted" id="live">connecting…</span></h1>
<div class="bar">
 <div class="card">state <b id="state" class="state">–</b></div>
 <div class="card">uptime <b id="uptime">–</b></div>
 <div class="card">connections <b id="connections">–</b></div>
 <div class="card">messages/s <b id="msg-rate">–</b></div>
 <div class="card">requests/s <b id="req-rate">–</b></div>
 <div class="card">errors <b id="errors">–</b></div>
 <div class="card">events dropped <b id="drops">–</b></div>
 <div class="card">version <b id="version">–</b></div>
</div>
<p class="muted"><span id="totals"></span> · refused: <span id="refused">–</span> · updated <span id="updated">–</span></p>
<div id="controls" hidden><button id="btn-pause">Pause</button><button id="btn-resume">Resume</button><button id="btn-reload">Reload</button> <span id="control-result" class="muted"></span></div>
<h2>Rates (last 5 minutes)</h2><div id="chart"></div>
<h2>Connections</h2>
<table><thead><tr><th>client id</th><th>mode</th><th>name</th><th>pid</th><th>ppid</th><th>connected for</th><th>messages in / out</th><th>bytes in / out</th><th>in flight</th><th>buffered</th><th>dropped events</th><th>subscriptions</th></tr></thead><tbody id="clients"></tbody></table>
<h2>Request latency per method</h2>
<table><thead><tr><th>method</th><th>count</th><th>mean</th><th>p50 ≤</th><th>p90 ≤</th><th>p99 ≤</th></tr></thead><tbody id="latencies"></tbody></table>
<h2>Recent events</h2>
<table><thead><tr><th>time</th><th>kind</th><th>topic / method</th><th>size</th><th>client</th><th>detail</th></tr></thead><tbody id="tail"></tbody></table>
<script nonce="${nonce}">${noScriptEnd(assets.script)}</script>
<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body></html>
`;
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  return { html, csp };
}
