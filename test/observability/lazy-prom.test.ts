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
