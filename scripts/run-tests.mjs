#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test (TypeScript through tsx), two files at a time, each
// file in its own process (scripts/test-file-run.mjs), and prints each file's spec report when it
// ends, then a summary: counts, failed files, slowest files.
// Usage: node scripts/run-tests.mjs [--dist] [--bun] [filter...]   (filters match file paths)
// --dist (used by `npm test`, after the build): CLI tests run the built dist/cli/main.js.
//
// Watchdogs, sized for a busy 2-core machine (a file that takes 20 s idle can take 2 minutes there):
// - per file: FILE_TIMEOUT_MS, or its entry in SLOW_FILES; the file's whole process group is killed.
//   Tests that must finish sooner say so with node:test's own `{ timeout }`.
// - whole run: SIDEWIRE_TEST_BUDGET_MS (default 20 minutes).
// SIDEWIRE_TEST_TIMEOUT_SCALE (default 1, 0.1-100) multiplies all of them, for slower machines; the
// test files see it too (test/stress/quick.test.ts scales its budget by it).
// (Node 20's own --test-timeout is per file, and applies only in `node --test`'s parent process.)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bunExclusion } from './bun-lane.mjs';
import { bunRunner, killGroup, runTestFile } from './test-file-run.mjs';

const CONCURRENCY = 2;
/** Per-file deadline, ms: generous enough for a loaded machine, still catches a hang. */
const FILE_TIMEOUT_MS = 240_000;
/** Files that take far longer than the rest, with their deadlines: they start first, so they overlap the rest. */
const SLOW_FILES = new Map([
  // Measured: 36 s idle, 40-67 s beside two CPU hogs, ~3 min at load average 20. Its own budget is 480 s.
  ['test/stress/quick.test.ts', 540_000],
  // 120 short-lived producer processes: 25 s idle, 38-67 s beside two CPU hogs, ~95 s at load average 16.
  ['test/spool/producers.test.ts', 540_000],
  // clients/python/tests through pytest: ~100 s idle (daemons started and stopped one after another). Its own budget is 900 s.
  ['test/interop/python-package.test.ts', 960_000],
]);
const DEFAULT_BUDGET_MS = 20 * 60_000;
/** Files listed in the summary as the slowest. */
const SLOWEST_SHOWN = 10;

function fail(message) {
  console.error(`run-tests: ${message}`);
  process.exit(2);
}

function numberFromEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) fail(`${name} must be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

const args = process.argv.slice(2);
const useDist = args.includes('--dist');
// --bun (`npm run test:bun`): each file under `bun test` instead of Node, without the files
// scripts/bun-lane.mjs leaves out (docs/runtimes.md); the CLI tests then run the CLI under Bun too.
const useBun = args.includes('--bun');
const filters = args.filter((a) => a !== '--dist' && a !== '--bun');
const scale = numberFromEnv('SIDEWIRE_TEST_TIMEOUT_SCALE', 1, 0.1, 100);
const budget = numberFromEnv('SIDEWIRE_TEST_BUDGET_MS', DEFAULT_BUDGET_MS * scale, 1000, 24 * 3600_000);
const files = walk('test')
  .map((f) => relative('.', f).split('\\').join('/'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => !useBun || bunExclusion(f) === undefined)
  .sort((a, b) => Number(SLOW_FILES.has(b)) - Number(SLOW_FILES.has(a)) || a.localeCompare(b));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

/** The pinned bun of devDependencies (.ci/run installs it with `npm ci`). */
const BUN = join('node_modules', '.bin', 'bun');
if (useBun && !existsSync(BUN)) fail(`--bun needs ${BUN}: run npm ci (bun is a devDependency)`);
const env = { ...process.env, SIDEWIRE_TEST: '1', SIDEWIRE_TEST_TIMEOUT_SCALE: String(scale), ...(useDist ? { SIDEWIRE_TEST_CLI: 'dist' } : {}) };
const running = new Map();
const stopAll = () => {
  for (const pid of running.keys()) killGroup(pid);
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    stopAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
const runStarted = Date.now();
const watchdog = setTimeout(() => {
  console.error(`\nwatchdog: test run exceeded ${budget} ms (SIDEWIRE_TEST_BUDGET_MS), killing it; still running: ${[...running.values()].join(', ')}`);
  stopAll();
  process.exit(1);
}, budget);

function report(r) {
  const mark = r.ok ? '✔' : '✖';
  const why = r.timedOut
    ? ` — timed out after ${secs(r.ms)}, its processes killed`
    : r.ok ? '' : r.counts === undefined ? ` — exited with ${r.signal ?? `code ${r.code}`} before reporting` : ` — exit code ${r.code}`;
  const held = r.stdioHeld ? ' (a process that left its group kept its output open)' : '';
  process.stdout.write(`▶ ${r.file}\n${r.output === '' ? '' : `${r.output}\n`}${mark} ${r.file} (${secs(r.ms)})${why}${held}\n\n`);
}

const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const file = files[next++];
    const timeoutMs = (SLOW_FILES.get(file) ?? FILE_TIMEOUT_MS) * scale;
    const r = await runTestFile(file, { nodeArgs: ['--import', 'tsx'], env, timeoutMs, running, ...(useBun ? { runner: bunRunner(BUN, timeoutMs) } : {}) });
    results.push(r);
    report(r);
  }
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
clearTimeout(watchdog);

const totals = {};
for (const r of results) for (const [k, v] of Object.entries(r.counts ?? {})) totals[k] = (totals[k] ?? 0) + v;
const failed = results.filter((r) => !r.ok);
const lines = [
  `ℹ files ${results.length} (${failed.length} failed)`,
  ...['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'].map((k) => `ℹ ${k} ${totals[k] ?? 0}`),
  `ℹ duration_ms ${Date.now() - runStarted}`,
  `ℹ slowest files: ${[...results].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_SHOWN).map((r) => `${r.file} ${secs(r.ms)}`).join(', ')}`,
];
if (failed.length > 0) {
  lines.push('', '✖ failed files (their reports are above):');
  for (const r of failed) lines.push(`✖ ${r.file} (${secs(r.ms)})${r.timedOut ? ' timed out' : ''}`);
}
console.log(lines.join('\n'));
process.exit(failed.length === 0 ? 0 : 1);
