/** `sidewire doctor` (text and --json) says whether the native helper, so shared memory, is available and why not (issue 21). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

interface Report {
  sharedMemory: { available: boolean; build: string | null; path: string | null; reason: string | null } | null;
}

test('regression: doctor --json reports the native helper and shared memory', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const on = await runCli(['doctor', '--json'], { SIDEWIRE_SHM: undefined }, 60_000);
  const report = JSON.parse(on.stdout) as Report;
  assert.equal(report.sharedMemory?.available, true, JSON.stringify(report.sharedMemory));
  assert.ok(report.sharedMemory.build === 'prebuilt' || report.sharedMemory.build === 'source');
  assert.equal(report.sharedMemory.reason, null);

  const off = await runCli(['doctor', '--json'], { SIDEWIRE_SHM: '0' }, 60_000);
  assert.deepEqual((JSON.parse(off.stdout) as Report).sharedMemory, { available: false, build: null, path: null, reason: 'disabled by SIDEWIRE_SHM=0' });
});

test('regression: doctor (text) has a shared memory line saying available or why not', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const on = await runCli(['doctor'], { SIDEWIRE_SHM: undefined }, 60_000);
  assert.match(on.stdout, /^shared memory: available \(native helper: (prebuilt|source) build, \S+\.node\)$/m, on.stdout);
  const off = await runCli(['doctor'], { SIDEWIRE_SHM: '0' }, 60_000);
  assert.match(off.stdout, /^shared memory: not available: disabled by SIDEWIRE_SHM=0$/m, off.stdout);
});

test('doctor --platform (simulated) does not report this machine\'s shared memory', async () => {
  const r = await runCli(['doctor', '--json', '--platform', 'darwin'], {}, 60_000);
  assert.equal((JSON.parse(r.stdout) as Report).sharedMemory, null);
});
