/** Importing sidewire does not load prom-client; creating metrics does (it costs tens of ms at startup). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function promLoadedAfter(code: string): boolean {
  const script = `
    import { createRequire } from 'node:module';
    const sidewire = await import(${JSON.stringify(index)});
    ${code}
    const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/prom-client/'));
    console.log(JSON.stringify({ loaded }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { loaded: boolean }).loaded;
}

test('prom-client is loaded only when metrics are created', () => {
  assert.equal(promLoadedAfter(''), false);
  assert.equal(promLoadedAfter('new sidewire.ServerMetrics();'), true);
});

/** Runs `code` after sidewire is imported, in a process where `require('prom-client')` fails as when it is not installed. */
function withoutProm(code: string): { status: number | null; stdout: string; stderr: string } {
  const script = `
    import Module from 'node:module';
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'prom-client') throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' });
      return resolve.call(this, request, ...rest);
    };
    const sidewire = await import(${JSON.stringify(index)});
    ${code}`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
}

test('regression: metrics without the optional peer prom-client fail with ERR_DEPENDENCY_MISSING naming `npm install prom-client`', () => {
  const r = withoutProm(`
    for (const make of [() => new sidewire.ServerMetrics(), () => new sidewire.ClientMetrics()]) {
      try { make(); console.log(JSON.stringify({ created: true })); }
      catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message, fixes: err.fixes, dependency: err.details?.dependency })); }
    }`);
  assert.equal(r.status, 0, r.stderr);
  const outcomes = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { code?: string; fixes?: string[]; dependency?: string });
  assert.equal(outcomes.length, 2);
  for (const o of outcomes) {
    assert.equal(o.code, 'ERR_DEPENDENCY_MISSING');
    assert.equal(o.dependency, 'prom-client');
    assert.ok(o.fixes?.some((f) => f.includes('npm install prom-client')), JSON.stringify(o));
  }
});

test('without prom-client, importing sidewire and everything but metrics still works', () => {
  const r = withoutProm(`console.log(typeof sidewire.createServer, typeof sidewire.connect);`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function');
});
