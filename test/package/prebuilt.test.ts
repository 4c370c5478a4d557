/**
 * The prebuilt native helper committed in prebuilds/linux-x64/ (made by `npm run build:prebuilds`,
 * shipped in the package so installing needs no compiler) must be the helper native/shm.c builds:
 * the same functions, working. A source build of the same files (binding.gyp, node-gyp) is
 * checked the same way, and the loader (src/transport/shm/native.ts) must find one of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shmStatus, type ShmNative } from '../../src/transport/shm/native.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const linux = process.platform === 'linux' && process.arch === 'x64';

/** The function names native/shm.c registers in NAPI_MODULE_INIT. */
function exportedByC(): string[] {
  const source = readFileSync(join(root, 'native', 'shm.c'), 'utf8');
  const init = source.slice(source.indexOf('NAPI_MODULE_INIT'));
  return [...init.matchAll(/\{"(\w+)", \w+\}/g)].map((m) => m[1]!).sort();
}

/** Creates, maps, writes and reads a sealed memfd through `helper`. */
function exercise(helper: ShmNative): void {
  const bytes = 1024 * 1024;
  const fd = helper.createSealed(bytes);
  try {
    assert.ok(helper.seals(fd) > 0, 'createSealed seals the memfd');
    const writer = helper.map(fd, bytes, true);
    const reader = helper.map(fd, bytes, false);
    new Uint8Array(helper.view(writer))[bytes - 1] = 42;
    assert.equal(new Uint8Array(helper.view(reader))[bytes - 1], 42);
    helper.unmap(writer);
    helper.unmap(reader);
    assert.equal(helper.alloc(100_000).length, 100_000);
  } finally {
    closeSync(fd);
  }
}

test('regression: the committed linux-x64 prebuilt helper has every function native/shm.c exports, and they work', { skip: !linux && 'prebuilt for linux-x64 only' }, () => {
  const dir = join(root, 'prebuilds', 'linux-x64');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  assert.deepEqual(files, ['sidewire.glibc.node'], 'run `npm run build:prebuilds` and commit prebuilds/');
  const helper = require(join(dir, files[0]!)) as ShmNative & Record<string, unknown>;
  const names = exportedByC();
  assert.ok(names.length >= 10, `found ${names.join(', ')} in native/shm.c`);
  assert.deepEqual(Object.keys(helper).sort(), names, 'the prebuilt binary is out of date: run `npm run build:prebuilds`');
  exercise(helper);
});

test('the loader finds the helper (a source build or the prebuilt one) and doctor reports it', { skip: !linux && 'linux-x64 only' }, () => {
  const status = shmStatus();
  assert.equal(status.available, true, status.reason ?? '');
  assert.ok(status.build === 'prebuilt' || status.build === 'source');
  assert.ok(status.path !== null && existsSync(status.path));
});

test('a source build of binding.gyp has the same functions as the prebuilt helper', { skip: !linux && 'linux-x64 only', timeout: 180_000 }, (t) => {
  const cc = spawnSync(process.env['CC'] ?? 'cc', ['--version'], { encoding: 'utf8' });
  if (cc.error !== undefined || cc.status !== 0) {
    t.skip('no C compiler');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'sidewire-gyp-'));
  try {
    mkdirSync(join(work, 'native'));
    copyFileSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
    for (const file of readdirSync(join(root, 'native')).filter((f) => f.endsWith('.c'))) copyFileSync(join(root, 'native', file), join(work, 'native', file));
    const prefix = resolve(dirname(process.execPath), '..');
    const nodedir = existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
    const gyp = require.resolve('node-gyp/bin/node-gyp.js');
    const r = spawnSync(process.execPath, [gyp, 'rebuild', ...nodedir], { cwd: work, encoding: 'utf8', timeout: 170_000 });
    assert.equal(r.status, 0, `node-gyp rebuild failed:\n${r.stderr.slice(-2000)}`);
    const helper = require(join(work, 'build', 'Release', 'sidewire_shm.node')) as ShmNative & Record<string, unknown>;
    assert.deepEqual(Object.keys(helper).sort(), exportedByC());
    exercise(helper);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
