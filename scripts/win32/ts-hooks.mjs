// Module hooks for running TypeScript under node.exe on Wine (scripts/run-win32.mjs).
// tsx cannot run there (esbuild.exe needs bcryptprimitives.dll, which Wine 8 lacks), so the lane
// transpiles every .ts file on Linux first into a dir of its own under .win32/ (same tree,
// .ts -> .js; its path in SIDEWIRE_WIN32_JS) and these hooks
// serve that JavaScript for each .ts URL. `--import tsx` in a child's arguments resolves to
// scripts/win32/tsx-shim.mjs (a no-op: NODE_OPTIONS already loaded this file).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where this run's JavaScript is (a Windows path, set by scripts/run-win32.mjs). */
const jsRoot = process.env['SIDEWIRE_WIN32_JS'] ?? path.join(root, '.win32', 'js');
const shim = new URL('./tsx-shim.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'tsx' || specifier === 'tsx/esm') return { url: shim, shortCircuit: true };
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:')) && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(url) && existsSync(new URL(url.href.replace(/\.js$/, '.ts')))) {
      return { url: url.href.replace(/\.js$/, '.ts'), shortCircuit: true, format: 'module' };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const rel = path.relative(root, file);
    const js = path.join(jsRoot, rel.replace(/\.ts$/, '.js'));
    if (rel.startsWith('..') || !existsSync(js)) throw new Error(`no transpiled JavaScript for ${file} (expected ${js}; run scripts/run-win32.mjs)`);
    return { format: 'module', source: readFileSync(js, 'utf8'), shortCircuit: true };
  }
  return next(url, context);
}
