#!/usr/bin/env node
// Builds sidewire's optional native helper (native/shm.c -> native/build/sidewire_shm.node), used
// by the shared-memory side channel of binary mode (docs/shared-memory.md). Runs on `npm install`.
// Never fails the install: without a C compiler, Node's headers or Linux, it says so and exits 0,
// and sidewire works without the side channel (large frames go over the socket).
// Usage: node scripts/build-native.mjs [--quiet]     SIDEWIRE_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'shm.c');
const outDir = join(root, 'native', 'build');
const out = join(outDir, 'sidewire_shm.node');
const quiet = process.argv.includes('--quiet');

function skip(why) {
  console.log(`sidewire: native helper not built (${why}); binary mode works without the shared-memory side channel`);
  process.exit(0);
}

if (process.env.SIDEWIRE_NATIVE === '0') skip('SIDEWIRE_NATIVE=0');
if (process.platform !== 'linux') skip(`the side channel is Linux-only, this is ${process.platform}`);
if (!existsSync(source)) skip(`${source} is missing`);
// Node's own headers: next to the binary of an official or distribution install, or node-gyp's cache.
const candidates = [
  process.env.SIDEWIRE_NODE_INCLUDE,
  join(dirname(process.execPath), '..', 'include', 'node'),
  join(process.env.HOME ?? '', '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  '/usr/include/node',
].filter((d) => d !== undefined && d !== '');
const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
if (include === undefined) skip(`no node_api.h in ${candidates.join(', ')} (set SIDEWIRE_NODE_INCLUDE)`);
const cc = process.env.CC ?? 'cc';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O2', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-fPIC', '-shared', `-I${include}`, source, '-o', tmp, '-lpthread'];
const r = spawnSync(cc, args, { stdio: quiet ? 'pipe' : 'inherit' });
if (r.error !== undefined) skip(`${cc}: ${r.error.message}`);
if (r.status !== 0) skip(`${cc} exited with ${r.status}${quiet ? `: ${String(r.stderr).trim()}` : ''}`);
renameSync(tmp, out); // atomic: a process loading it never sees half a file
if (!quiet) console.log(`sidewire: built ${out}`);
