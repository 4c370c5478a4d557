#!/usr/bin/env node
// The `install` script: makes sure sidewire's optional native helper (native/shm.c: the
// shared-memory side channel of binary mode, docs/shared-memory.md; native/abstract.c: abstract
// sockets bound with their exact name, docs/protocol.md) can be loaded, the way
// node-gyp-build does it: the prebuilt binary shipped in prebuilds/<platform>-<arch>/ when one
// fits this machine (no compiler needed), otherwise a source build with node-gyp (binding.gyp).
// Never fails the install: when neither works (no prebuild for this platform and no compiler or
// Node headers, or not Linux) it says why on stderr and exits 0, and sidewire works without the
// side channel (large frames go over the socket). `sidewire doctor` says the same later.
// Usage: node scripts/build-native.mjs [--quiet] [--build-from-source]
// Environment: SIDEWIRE_NATIVE=0 skips everything; npm_config_build_from_source=true (npm's
// --build-from-source) ignores the prebuilds; npm_config_node_gyp names node-gyp (npm sets it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const quiet = process.argv.includes('--quiet');
const fromSource = process.argv.includes('--build-from-source') || /^(true|1|sidewire)$/.test(process.env.npm_config_build_from_source ?? '');
/** The functions the helper must have (src/transport/shm/native.ts and abstract-exact.ts check the same). */
const FUNCTIONS = ['createSealed', 'createMemfd', 'seals', 'fsType', 'openPath', 'peerCredentials', 'map', 'view', 'unmap', 'alloc', 'abstractListen', 'abstractConnect'];

function skip(why) {
  console.error(`sidewire: native helper not available (${why}); binary mode works without the shared-memory side channel`);
  process.exit(0);
}

/** The helper node-gyp-build would load (build/Release first, then prebuilds/), or the source build only; or why not. */
function probe(prebuildsAllowed) {
  try {
    const path = prebuildsAllowed ? require('node-gyp-build').resolve(root) : join(root, 'build', 'Release', 'sidewire_shm.node');
    const helper = require(path);
    const missing = FUNCTIONS.find((name) => typeof helper[name] !== 'function');
    return missing === undefined ? { path } : { error: `${path} has no ${missing} (out of date)` };
  } catch (err) {
    return { error: String(err instanceof Error ? err.message : err).split('\n')[0] };
  }
}

/** node-gyp's entry point: the one npm runs scripts with, ours (a devDependency), or the PATH's. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm !== undefined && fromNpm !== '' && existsSync(fromNpm)) return [process.execPath, fromNpm];
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

if (process.env.SIDEWIRE_NATIVE === '0') skip('SIDEWIRE_NATIVE=0');
if (process.platform !== 'linux') skip(`the side channel is Linux-only, this is ${process.platform}`);

if (!fromSource) {
  const found = probe(true);
  if (found.path !== undefined) {
    if (!quiet) console.log(`sidewire: native helper ready (${found.path.slice(root.length + 1)})`);
    process.exit(0);
  }
  if (!quiet) console.error(`sidewire: no usable prebuilt native helper (${found.error}); building it from source`);
}
const [command, ...args] = nodeGyp();
// Node's own headers when they sit beside this node (distribution and official installs), so that
// node-gyp need not download them; npm passes its `nodedir` setting itself.
const prefix = resolve(dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir === undefined && existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${prefix}`] : [];
const r = spawnSync(command, [...args, 'rebuild', ...nodedir], { cwd: root, stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], encoding: 'utf8' });
if (r.error !== undefined) skip(`node-gyp: ${r.error.message}`);
if (r.status !== 0) {
  const lines = String(r.stderr).trim().split('\n');
  const tail = quiet ? `: ${lines.find((l) => /error/i.test(l) && !l.startsWith('gyp')) ?? lines.slice(-3).join(' / ')}` : '';
  skip(`the source build failed (node-gyp rebuild exited with ${r.status}; it needs a C compiler and Node's headers)${tail}`);
}
const built = probe(false);
if (built.path === undefined) skip(`the source build does not load: ${built.error}`);
if (!quiet) console.log(`sidewire: built ${built.path.slice(root.length + 1)}`);
