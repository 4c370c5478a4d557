/**
 * The five stress suites, scaled down (`stress/run.ts --quick`, docs/stress.md), as part of the
 * test run: one child process runs them all; each must print a PASS verdict and the run must exit 0.
 * The run takes ~40 s on an idle 2-core machine, 40-70 s beside two CPU hogs and other tests, ~3
 * minutes at load average 20; the budget is a hang watchdog, not a speed bound (every suite's own waits are bounded
 * too). SIDEWIRE_TEST_TIMEOUT_SCALE (set by scripts/run-tests.mjs) stretches it on slower machines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SUITES = ['bomb', 'memory', 'latency', 'leak', 'chaos'];
const BUDGET_MS = 480_000 * Number(process.env['SIDEWIRE_TEST_TIMEOUT_SCALE'] ?? 1);

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'stress/run.ts', '--quick', '--seed', '7'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // its children exit when their stdin closes
      reject(new Error(`stress --quick did not finish within ${BUDGET_MS} ms\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-3000)}`));
    }, BUDGET_MS);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('stress --quick', () => {
  it('runs the five suites scaled down, each printing a PASS verdict', { timeout: BUDGET_MS + 10_000 }, async () => {
    const { code, stdout, stderr } = await runQuick();
    const context = `\nstdout:\n${stdout}\nstderr (tail):\n${stderr.slice(-3000)}`;
    const verdicts = stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    assert.deepEqual(
      verdicts.map((l) => l.split(':')[0]),
      SUITES.map((s) => `PASS ${s}`),
      `expected one PASS line per suite, in order${context}`,
    );
    assert.equal(code, 0, `exit code${context}`);
    assert.match(stdout, /all 5 suites passed/, context);
  });
});
