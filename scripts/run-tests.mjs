#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test (TypeScript through tsx).
// Watchdogs: each test has a timeout (--test-timeout), and the whole run is killed after
// SIDEWIRE_TEST_BUDGET_MS (default 8 minutes) so no test can hang CI.
// Usage: node scripts/run-tests.mjs [--dist] [filter...]   (filters match file paths)
// --dist (used by `npm test`, after the build): CLI tests run the built dist/cli/main.js.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const useDist = args.includes('--dist');
const filters = args.filter((a) => a !== '--dist');
const files = walk('test')
  .map((f) => relative('.', f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const budget = Number(process.env.SIDEWIRE_TEST_BUDGET_MS ?? 8 * 60_000);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-timeout=60000', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, SIDEWIRE_TEST: '1', ...(useDist ? { SIDEWIRE_TEST_CLI: 'dist' } : {}) } },
);
const watchdog = setTimeout(() => {
  console.error(`\nwatchdog: test run exceeded ${budget} ms, killing it`);
  child.kill('SIGKILL');
}, budget);
child.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(code ?? (signal ? 1 : 0));
});
