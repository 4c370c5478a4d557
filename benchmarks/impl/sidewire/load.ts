/**
 * Loads sidewire's public API for the benchmark processes: the compiled build named by
 * `SIDEWIRE_BENCH_BUILD` (set by benchmarks/run.ts, see build.ts), or else the TypeScript sources
 * through tsx (when a child is started by hand, or by a script that does not build).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sidewire from '../../../src/index.js';
import { BUILD_ENV } from './build.js';

export type SidewireApi = typeof Sidewire;

/** Where the API came from, for logs: the build directory or `src (tsx)`. */
export function sidewireSource(): string {
  return process.env[BUILD_ENV] || 'src (tsx)';
}

export async function loadSidewire(): Promise<SidewireApi> {
  const dir = process.env[BUILD_ENV];
  if (dir === undefined || dir === '') return import('../../../src/index.js');
  return (await import(pathToFileURL(join(dir, 'index.js')).href)) as SidewireApi;
}
