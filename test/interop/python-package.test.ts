/**
 * The official Python client (clients/python) runs its own pytest suite against the reference
 * daemon this test names: `sidewire serve` from the same build (SIDEWIRE_NODE_CLI). CI installs
 * python3 and python3-pytest (.ci/run); without them this test fails, it does not skip.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLI_ARGS } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scale = Number(process.env['SIDEWIRE_TEST_TIMEOUT_SCALE'] ?? '1') || 1;
/** ~100 s on an idle machine; a busy 2-core machine may take several times that. */
const BUDGET_MS = 900_000 * scale;

function runPytest(): Promise<{ code: number | null; signal: string | null; output: string }> {
  const child = spawn('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'clients/python/tests'], {
    cwd: root,
    env: { ...process.env, SIDEWIRE_NODE_CLI: JSON.stringify([process.execPath, ...CLI_ARGS]), PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pytest did not finish within ${BUDGET_MS} ms:\n${output}`));
    }, BUDGET_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run python3 (install python3 and python3-pytest, as .ci/run does): ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('interop: the official Python client (clients/python)', () => {
  it('passes its pytest suite against the reference daemon', { timeout: BUDGET_MS + 60_000 }, async () => {
    const { code, signal, output } = await runPytest();
    assert.doesNotMatch(output, /No module named pytest/, 'python3-pytest is not installed (.ci/run installs it)');
    assert.equal(code, 0, `pytest exited ${String(code ?? signal)}:\n${output}`);
    assert.match(output, /\b\d+ passed\b/);
    assert.doesNotMatch(output, /\b(failed|error|skipped)\b/);
  });
});
