/**
 * The package as a user installs it (issue 21): `npm pack`, then `npm install <tgz>` in an empty
 * project with no working C compiler (`CC=/bin/false`). The prebuilt native helper is used (no
 * build), `npx sidewire doctor --json` reports shared memory available from the prebuilt binary,
 * prom-client (an optional peer) is not installed. Without a fitting prebuild, the source build
 * fails and the install still succeeds, saying why; doctor says why too.
 * Needs dist/ built (npm test builds it) and the npm registry or npm's cache for the dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const linux = process.platform === 'linux' && process.arch === 'x64';
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));

interface DoctorJson {
  sharedMemory: { available: boolean; build: string | null; path: string | null; reason: string | null } | null;
}

/** The environment of a user's shell: none of npm's own script variables, no compiler. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'SIDEWIRE_SHM' && k !== 'SIDEWIRE_NATIVE') env[k] = v;
  return { ...env, CC: '/bin/false', CXX: '/bin/false' };
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 240_000 });
}

function doctor(cwd: string): DoctorJson {
  const r = spawnSync('npx', ['--no-install', 'sidewire', 'doctor', '--json'], { cwd, env: userEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.ok(r.stdout.trim().startsWith('{'), `doctor printed no JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as DoctorJson;
}

test('regression: npm install of the packed tarball with CC=/bin/false uses the prebuilt native helper, and doctor --json reports it', {
  skip: (!linux && 'the prebuilt helper is for linux-x64') || (!built && 'dist/ is not built (npm run build)'),
  timeout: 300_000,
}, () => {
  const work = mkdtempSync(join(tmpdir(), 'sidewire-install-'));
  try {
    const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root);
    assert.equal(packed.status, 0, packed.stderr);
    const tgz = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    const app = join(work, 'app');
    const install = (): SpawnSyncReturns<string> =>
      npm(['install', tgz, '--foreground-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'], app);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));

    const first = install();
    const log = `${first.stdout}\n${first.stderr}`;
    assert.equal(first.status, 0, log);
    // The install script only checks that the prebuild loads (npm versions that skip unapproved
    // install scripts do not run it at all; the prebuild works the same then).
    if (log.includes('node scripts/build-native.mjs')) assert.match(log, /sidewire: native helper ready \(prebuilds\/linux-x64\/sidewire\.glibc\.node\)/, log);
    assert.equal(existsSync(join(app, 'node_modules', 'sidewire', 'build')), false, 'nothing was compiled');
    assert.equal(existsSync(join(app, 'node_modules', 'prom-client')), false, 'prom-client is an optional peer, not installed');
    const report = doctor(app);
    assert.equal(report.sharedMemory?.available, true, JSON.stringify(report.sharedMemory));
    assert.equal(report.sharedMemory?.build, 'prebuilt');

    // No prebuild fits (as on musl or arm64): the source build runs, fails without a compiler, and
    // the install still succeeds, printing why; doctor says why too.
    rmSync(join(app, 'node_modules', 'sidewire', 'prebuilds'), { recursive: true });
    const rebuild = npm(['rebuild', 'sidewire', '--foreground-scripts'], app);
    const rebuildLog = `${rebuild.stdout}\n${rebuild.stderr}`;
    assert.equal(rebuild.status, 0, rebuildLog);
    assert.match(rebuildLog, /sidewire: native helper not available \(the source build failed/, rebuildLog);
    const without = doctor(app);
    assert.equal(without.sharedMemory?.available, false);
    assert.match(without.sharedMemory?.reason ?? '', /not built .*build-native\.mjs --build-from-source/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
