// Transpiles TypeScript to JavaScript for the win32 lane (scripts/run-win32.mjs): every `.ts` file
// (not `.d.ts`) under the given folders becomes `<out>/<same path>.js`, an ES module for Node 20.
// esbuild runs here on Linux; node.exe under Wine then loads these files through
// scripts/win32/ts-hooks.mjs. Types are only stripped, as tsx does: `npm run typecheck` checks them.
import { transformSync } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

function* tsFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* tsFiles(p);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      yield p;
    }
  }
}

/** Replaces `out` with the JavaScript of every `.ts` file under `dirs` (relative to `root`); returns the count. */
export function transpileTree(root, dirs, out) {
  rmSync(out, { recursive: true, force: true });
  let count = 0;
  for (const dir of dirs) {
    for (const file of tsFiles(join(root, dir))) {
      const rel = relative(root, file);
      const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: rel });
      const target = join(out, rel.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
      count++;
    }
  }
  return count;
}
