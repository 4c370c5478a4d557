/**
 * sidewire is measured as it ships: the JavaScript `tsc` emits (`npm run build`), not the
 * TypeScript sources run through tsx. tsx compiles with esbuild's `keepNames`, which wraps every
 * function expression in a `__name(fn, "name")` call (an `Object.defineProperty` per closure
 * created); that costs sidewire's closure-heavy hot paths up to a third of their CPU time, a cost
 * no user pays. The peers are plain JavaScript from npm; the raw baselines, which create almost
 * no closures, still run through tsx.
 *
 * `buildSidewire()` compiles src/ with the repository's tsconfig.json into
 * benchmarks/.build/sidewire (incremental, a few seconds when little changed) and returns that
 * directory; the orchestrator passes it to the child processes in `SIDEWIRE_BENCH_BUILD`
 * (see load.ts). Type errors elsewhere in the tree do not stop it as long as JavaScript was emitted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that tells the children where the compiled sidewire is. */
export const BUILD_ENV = 'SIDEWIRE_BENCH_BUILD';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the build goes (git-ignored). */
export const BUILD_DIR = join(ROOT, 'benchmarks', '.build', 'sidewire');

/** Compiles sidewire into BUILD_DIR and returns it; throws when tsc emitted nothing usable. */
export function buildSidewire(): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const tsc = createRequire(join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  const args = [
    tsc,
    '-p', join(ROOT, 'tsconfig.json'),
    '--outDir', BUILD_DIR,
    '--declaration', 'false',
    '--sourceMap', 'false',
    '--incremental',
    '--tsBuildInfoFile', join(BUILD_DIR, '..', 'sidewire.tsbuildinfo'),
  ];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run tsc: ${result.error.message}`);
  const index = join(BUILD_DIR, 'index.js');
  if (!existsSync(index)) {
    throw new Error(`tsc did not emit ${index} (exit ${result.status}): ${(result.stdout + result.stderr).trim().split('\n').slice(0, 5).join(' | ')}`);
  }
  if (result.status !== 0) {
    const first = (result.stdout + result.stderr).trim().split('\n')[0] ?? '';
    process.stderr.write(`warning: tsc reported errors while building sidewire for the benchmarks (JavaScript was emitted anyway): ${first}\n`);
  }
  // benchmarks/package.json says "type": "module" already; keep the build self-describing anyway.
  writeFileSync(join(BUILD_DIR, 'package.json'), '{ "type": "module", "private": true }\n');
  return BUILD_DIR;
}
