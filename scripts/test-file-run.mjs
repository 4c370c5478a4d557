// Runs one test file in its own process (node:test through tsx, spec reporter) for
// scripts/run-tests.mjs, with a deadline, and returns its output, counts and outcome.
//
// Each file gets its own process group (spawn's `detached`), and the whole group is killed with
// SIGKILL when the file exits or misses its deadline. That is what `node --test`'s own
// --test-timeout does not do: it kills only the file's process, so a server or client the file had
// started (stdio inherited) lives on, keeps the runner's pipe open and stalls the whole run until
// its watchdog, and stays behind on the machine.
import { spawn } from 'node:child_process';

/** How long a file's stdio may stay open after its process exited (held by a descendant that left the group). */
const STDIO_GRACE_MS = 5_000;

const COUNTERS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
const SUMMARY_LINE = new RegExp(`^ℹ (${[...COUNTERS, 'duration_ms'].join('|')}) [0-9.]+$`);

/** Sends `signal` to every process of the group led by `pid`; false when the group is gone. */
export function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Reads the spec reporter's closing `ℹ tests 12` … lines; undefined when the file printed none (it crashed). */
function parseCounts(lines) {
  const counts = {};
  for (const line of lines) {
    const m = /^ℹ (\w+) (\d+)$/.exec(line);
    if (m !== null && COUNTERS.includes(m[1])) counts[m[1]] = Number(m[2]);
  }
  return counts.tests === undefined ? undefined : counts;
}

/** `bun test`'s closing ` 12 pass`, ` 0 fail`, `Ran 12 tests across 1 file.` lines as the same counts. */
const BUN_COUNT_LINE = /^ (\d+) (pass|fail|skip|todo)$/;
const BUN_RAN_LINE = /^Ran (\d+) tests? across \d+ files?\./;
function parseBunCounts(lines) {
  const counts = { suites: 0, cancelled: 0 };
  const names = { pass: 'pass', fail: 'fail', skip: 'skipped', todo: 'todo' };
  for (const line of lines) {
    const m = BUN_COUNT_LINE.exec(line);
    if (m !== null) counts[names[m[2]]] = Number(m[1]);
    const ran = BUN_RAN_LINE.exec(line);
    if (ran !== null) counts.tests = Number(ran[1]);
  }
  if (counts.tests === undefined) return undefined;
  for (const k of ['pass', 'fail', 'skipped', 'todo']) counts[k] ??= 0;
  return counts;
}

/** How a file is run: by Node (node:test, spec reporter) or by `bun test` (scripts/bun-lane.mjs). */
export function nodeRunner(nodeArgs) {
  return { command: process.execPath, args: (file) => [...nodeArgs, '--test-reporter=spec', file], parseCounts, isSummary: (l) => SUMMARY_LINE.test(l) };
}
export function bunRunner(bunPath, perTestTimeoutMs) {
  return {
    command: bunPath,
    args: (file) => ['test', `--timeout=${Math.round(perTestTimeoutMs)}`, `./${file}`],
    parseCounts: parseBunCounts,
    isSummary: (l) => BUN_COUNT_LINE.test(l) || BUN_RAN_LINE.test(l),
  };
}

/**
 * Runs `file` with `nodeArgs` (e.g. `--import tsx`) and `env`, killed after `timeoutMs`; `runner`
 * (default: Node with `nodeArgs`) may run it with `bun test` instead.
 * `running` is a Map of the live process ids to their files (so the caller can kill them on SIGINT).
 * Resolves to `{ file, ms, code, signal, timedOut, stdioHeld, output, counts, ok }`, where `output`
 * is the file's stdout and stderr (interleaved as they arrived) without the spec reporter's
 * per-file summary lines, and `ok` is true when it exited 0 in time with no failed test.
 */
export function runTestFile(file, { nodeArgs, env, timeoutMs, running, runner = nodeRunner(nodeArgs) }) {
  const started = Date.now();
  const child = spawn(runner.command, runner.args(file), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  running.set(child.pid, file);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutMs);
  return new Promise((resolve) => {
    let exit;
    let grace;
    let openStreams = 2;
    const finish = (stdioHeld) => {
      clearTimeout(deadline);
      clearTimeout(grace);
      running.delete(child.pid);
      const lines = output.split('\n');
      const counts = runner.parseCounts(lines);
      const ms = exit.at - started;
      const ok = !timedOut && exit.code === 0 && counts !== undefined && counts.fail === 0 && counts.cancelled === 0;
      resolve({ file, ms, ...exit, timedOut, stdioHeld, output: lines.filter((l) => !runner.isSummary(l)).join('\n').trimEnd(), counts, ok });
    };
    const streamClosed = () => {
      if (--openStreams === 0 && exit !== undefined) finish(false);
    };
    child.stdout.once('close', streamClosed);
    child.stderr.once('close', streamClosed);
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: Date.now() };
      // Whatever the file left running dies with it; the pipes then close.
      killGroup(child.pid);
      if (openStreams === 0) return finish(false);
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(true);
      }, STDIO_GRACE_MS);
    });
  });
}
