/**
 * uPlot's script and stylesheet for the dashboard page, read once: from
 * dist/observability/dashboard-assets/ (copied there by `npm run build`, so they ship in the
 * package), else from the `uplot` package when running from source. Without them the page
 * still works, with tables and without charts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

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
