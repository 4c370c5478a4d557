#!/usr/bin/env node
// Part of `npm run build`: copies uPlot's minified script and stylesheet (a dev dependency) into
// dist/observability/dashboard-assets/, where the dashboard page inlines them from at run time
// (docs/observability.md "Dashboard"), so the packed package needs no uPlot install and no CDN.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const out = join(root, 'dist', 'observability', 'dashboard-assets');
mkdirSync(out, { recursive: true });
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  copyFileSync(require.resolve(`uplot/dist/${file}`), join(out, file));
}
