/**
 * Loads sidewire's optional native helper, one binary for every native feature: the shared-memory
 * side channel (native/shm.c, `shm/native.ts`, docs/shared-memory.md) and abstract sockets bound
 * with their exact name (native/abstract.c, `abstract-exact.ts`, docs/protocol.md "Endpoints").
 * It is found the way node-gyp-build finds it: a source build in build/Release (node-gyp,
 * binding.gyp) first, else the prebuilt binary shipped in prebuilds/<platform>-<arch>/.
 * Loaded once; each feature checks that the functions it needs are there (an older build may
 * lack some) and reports its own reason when not.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file only the package root has (binding.gyp ships in the package for source builds). */
const ROOT_MARKER = 'binding.gyp';
/** What rebuilds the helper, run in the package root. */
export const NATIVE_REBUILD = 'run `node scripts/build-native.mjs --build-from-source` in the sidewire package (needs a C compiler)';

/** The loaded helper's exports and file, or why it could not be loaded (with the fix). */
export type NativeBinding =
  | { readonly ok: true; readonly exports: Readonly<Record<string, unknown>>; readonly path: string }
  | { readonly ok: false; readonly reason: string };

let binding: NativeBinding | undefined;

/**
 * The native helper, loaded on the first call. Not loaded when `SIDEWIRE_NATIVE=0` (the same switch
 * that skips it at install time) or off Linux (there is nothing to build there).
 */
export function nativeBinding(): NativeBinding {
  if (binding !== undefined) return binding;
  if (process.env['SIDEWIRE_NATIVE'] === '0') binding = { ok: false, reason: 'the native helper is disabled by SIDEWIRE_NATIVE=0' };
  else if (process.platform !== 'linux') binding = { ok: false, reason: `the native helper is Linux-only (this is ${process.platform})` };
  else {
    try {
      const require = createRequire(import.meta.url);
      const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
      const path = nodeGypBuild.resolve(packageRoot());
      binding = { ok: true, exports: require(path) as Record<string, unknown>, path };
    } catch (err) {
      binding = { ok: false, reason: `the native helper is not built (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ${NATIVE_REBUILD}` };
    }
  }
  return binding;
}

/** The first of `functions` the loaded helper lacks (an out-of-date build), or undefined. */
export function missingFunction(exports: Readonly<Record<string, unknown>>, functions: readonly string[]): string | undefined {
  return functions.find((name) => typeof exports[name] !== 'function');
}

/** The package root: the nearest directory above this module (src/ or dist/) with binding.gyp. */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let up = 0; up < 8; up++) {
    if (existsSync(join(dir, ROOT_MARKER))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(here, '..', '..'); // the error names where it looked
}
