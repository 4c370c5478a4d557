#!/usr/bin/env node
// `npm run check:package`: packs sidewire as npm would publish it and checks the tarball.
//   - our own rules: LICENSE, CHANGELOG.md, README.md, binding.gyp, native/*.c and a linux-x64
//     prebuilt native helper are in it; no source map points at a file the package lacks; every
//     relative link of the packed README and docs/*.md names a file in the package;
//   - publint (package.json fields against the files) with warnings as errors;
//   - @arethetypeswrong/cli (the types resolve like the code; ESM-only, so the esm-only profile).
// dist/ must be built first (`npm run build`): the pack runs no scripts.
// Usage: node scripts/check-package.mjs [--keep]   (--keep leaves the .tgz and prints its path)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
const keep = process.argv.includes('--keep');
const problems = [];

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error !== undefined) throw r.error;
  return r;
}

const dest = mkdtempSync(join(tmpdir(), 'sidewire-pack-'));
const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest]);
if (packed.status !== 0) {
  console.error(packed.stderr);
  process.exit(1);
}
const [info] = JSON.parse(packed.stdout);
const tgz = join(dest, info.filename);
const files = new Set(info.files.map((f) => f.path));
console.log(`packed ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`);

for (const required of ['LICENSE', 'CHANGELOG.md', 'README.md', 'binding.gyp', 'native/shm.c', 'native/abstract.c', 'native/peer.c', 'scripts/build-native.mjs',
  // the dashboard page inlines these (scripts/copy-dashboard-assets.mjs, part of npm run build)
  'dist/observability/dashboard-assets/uPlot.iife.min.js', 'dist/observability/dashboard-assets/uPlot.min.css']) {
  if (!files.has(required)) problems.push(`${required} is not in the package`);
}
if (![...files].some((f) => /^prebuilds\/linux-x64\/[^/]+\.node$/.test(f))) problems.push('no prebuilt native helper (prebuilds/linux-x64/*.node): run `npm run build:prebuilds`');

// Source maps: each must point at sources that are in the package too.
for (const file of files) {
  if (!file.endsWith('.map')) continue;
  const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
  for (const source of map.sources ?? []) {
    const target = posix.normalize(posix.join(posix.dirname(file), source));
    if (!files.has(target)) problems.push(`${file} points at ${target}, which is not in the package`);
  }
}

// Relative links in the packed Markdown (README.md, CHANGELOG.md, docs/*.md) must stay inside it.
for (const file of files) {
  if (!file.endsWith('.md')) continue;
  const text = readFileSync(join(root, file), 'utf8');
  for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<img[^>]+src="([^"]+)"/g)) {
    const link = (m[1] ?? m[2]).split('#')[0];
    if (link === '' || /^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // same-page anchor, http:, mailto:
    const target = normalize(posix.join(posix.dirname(file), link)).replace(/\/$/, '');
    const inPackage = files.has(target) || [...files].some((f) => f.startsWith(`${target}/`));
    if (!inPackage) problems.push(`${file} links ${link}, which is not in the package`);
  }
}

const publint = run('publint', ['run', tgz, '--strict']);
console.log(`publint: ${(publint.stdout + publint.stderr).trim()}`);
if (publint.status !== 0) problems.push(`publint failed (exit ${publint.status})`);

const attw = run('attw', [tgz, '--profile', 'esm-only', '--no-color', '--no-emoji']);
console.log(`attw (esm-only):\n${(attw.stdout + attw.stderr).trim()}`);
if (attw.status !== 0) problems.push(`attw failed (exit ${attw.status})`);

if (keep) console.log(`tarball: ${tgz}`);
else rmSync(dest, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`\ncheck:package found ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log('\ncheck:package: ok');
