/**
 * The import rules of docs/architecture.md hold for src/, and the checker catches each kind of
 * break: planted in fixture graphs and in a fixture tree on disk, never in src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImportRules, readImportGraph, runtimeClosure, type ImportEdge } from './import-graph.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

test('src/ keeps every import rule of docs/architecture.md', () => {
  const edges = readImportGraph(SRC);
  assert.ok(edges.length > 500, `read only ${edges.length} imports: the reader lost them`);
  assert.deepEqual(checkImportRules(edges), []);
});

test('src/rpc/ is gone: every file lives in a folder of the import rules', () => {
  const units = new Set(readImportGraph(SRC).map((e) => e.from.split('/')[0]));
  assert.ok(!units.has('rpc'));
  for (const unit of ['server', 'client', 'stream', 'protocol', 'util']) assert.ok(units.has(unit), unit);
});

/** The one problem a graph of clean edges plus `planted` produces. */
function problemsWith(planted: ImportEdge): string[] {
  const clean: ImportEdge[] = [
    { from: 'server/server.ts', to: 'stream/message-stream.ts' },
    { from: 'client/client.ts', to: 'protocol/hello.ts' },
    { from: 'stream/message-stream.ts', to: 'framing/ndjson.ts' },
    { from: 'framing/ndjson.ts', to: 'node:string_decoder' },
    { from: 'server/server.ts', to: 'text/text-session.ts' },
  ];
  assert.deepEqual(checkImportRules(clean), []);
  return checkImportRules([...clean, planted]);
}

const VIOLATIONS: ReadonlyArray<[string, ImportEdge, RegExp]> = [
  ['server imports client', { from: 'server/server.ts', to: 'client/client.ts' }, /server\/ and client\/ never import each other/],
  ['client imports server', { from: 'client/handshake.ts', to: 'server/reserved-methods.ts' }, /server\/ and client\/ never import each other/],
  ['framing imports node:net', { from: 'framing/sniff.ts', to: 'node:net' }, /framing\/ is pure codecs and imports nothing with I\/O/],
  ['framing imports fs without the node: prefix', { from: 'framing/sniff.ts', to: 'fs' }, /imports nothing with I\/O/],
  ['framing imports transport', { from: 'framing/ndjson.ts', to: 'transport/unix.ts' }, /framing\/ is pure codecs/],
  ['framing imports util (files with I/O live there)', { from: 'framing/ndjson.ts', to: 'util/safe-file.ts' }, /framing\/ is pure codecs/],
  ['stream imports server', { from: 'stream/binary/binary-preface.ts', to: 'server/connection-router.ts' }, /stream\/ knows no server or client/],
  ['stream imports client', { from: 'stream/message-stream.ts', to: 'client/client.ts' }, /stream\/ knows no server or client/],
  ['the library imports cli', { from: 'daemon/daemon.ts', to: 'cli/io.ts' }, /the library never imports cli\//],
  ['observability imports cli', { from: 'observability/cli-flags.ts', to: 'cli/io.ts' }, /the library never imports cli\//],
  ['transport imports stream (upward)', { from: 'transport/unix.ts', to: 'stream/message-stream.ts' }, /stream sits above transport/],
  ['spool imports client (upward)', { from: 'spool/paths.ts', to: 'client/client-options.ts' }, /client sits above spool/],
  ['text imports server (beside)', { from: 'text/text-session.ts', to: 'server/connection.ts' }, /server sits beside text/],
  ['a leaf imports a folder', { from: 'protocol/message.ts', to: 'stream/message-stream.ts' }, /protocol is a leaf/],
  ['an unknown folder', { from: 'rpc/server.ts', to: 'protocol/message.ts' }, /unit "rpc" has no place/],
  ['an import out of the tree', { from: 'server/server.ts', to: '../test/x.ts' }, /outside the source tree/],
];

for (const [name, planted, expected] of VIOLATIONS) {
  test(`the checker fails on a planted violation: ${name}`, () => {
    const problems = problemsWith(planted);
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
  });
}

test('the checker reports a cycle between folders once, whichever file closes it', () => {
  // server -> text -> server: the cycle the text mode had while it imported rpc/connection.ts
  const problems = checkImportRules([
    { from: 'server/server.ts', to: 'text/server-text-mode.ts' },
    { from: 'text/server-text-mode.ts', to: 'server/connection.ts' },
  ]);
  assert.ok(problems.includes('units import each other in a cycle: server -> text -> server'), JSON.stringify(problems));
});

test('the reader finds static, type-only, re-export and dynamic imports on disk, and skips comments', () => {
  const root = mkdtempSync(join(tmpdir(), 'sidewire-import-rules-'));
  try {
    for (const dir of ['framing', 'server', 'client']) mkdirSync(join(root, dir));
    writeFileSync(join(root, 'client', 'client.ts'), 'export const x = 1;\n');
    writeFileSync(
      join(root, 'framing', 'codec.ts'),
      "// import { no } from '../client/comment-only.js';\nimport * as net from 'node:net';\nexport { net };\n",
    );
    writeFileSync(
      join(root, 'server', 'server.ts'),
      "import type { x } from '../client/client.js';\nexport * from '../framing/codec.js';\n" +
        "export async function load(): Promise<unknown> { return import('../client/client.js'); }\n",
    );
    const edges = readImportGraph(root);
    assert.deepEqual(
      edges.map((e) => `${e.from} -> ${e.to}`).sort(),
      ['framing/codec.ts -> node:net', 'server/server.ts -> client/client.ts', 'server/server.ts -> client/client.ts', 'server/server.ts -> framing/codec.ts'],
    );
    const problems = checkImportRules(edges);
    assert.ok(problems.some((p) => p.startsWith('framing/codec.ts -> node:net: framing/')), JSON.stringify(problems));
    assert.equal(problems.filter((p) => p.includes('never import each other')).length, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sidewire/client loads no server, daemon, text, CLI or metrics code', () => {
  const { files, modules } = runtimeClosure(SRC, 'client/index.ts');
  assert.ok(files.includes('client/client.ts'), JSON.stringify(files));
  const heavy = files.filter((f) => /^(server|daemon|text|cli)\//.test(f) || f === 'index.ts' || /^observability\/(metrics|health-server|server-)/.test(f));
  assert.deepEqual(heavy, []);
  assert.ok(!modules.includes('prom-client') && !modules.includes('node:http'), JSON.stringify(modules));
  // the whole package loads the server side too, so the check above can fail
  const whole = runtimeClosure(SRC, 'index.ts').files;
  assert.ok(whole.some((f) => f.startsWith('server/')) && whole.length > files.length);
});

test('the run-time closure skips type-only imports and follows dynamic ones', () => {
  const root = mkdtempSync(join(tmpdir(), 'sidewire-closure-'));
  try {
    mkdirSync(join(root, 'client'));
    mkdirSync(join(root, 'server'));
    writeFileSync(join(root, 'server', 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'server', 'b.ts'), "import 'prom-client';\nexport const b = 2;\n");
    writeFileSync(
      join(root, 'client', 'index.ts'),
      "import type { a } from '../server/a.js';\nexport type { a };\nexport async function f(): Promise<unknown> { return import('../server/b.js'); }\n",
    );
    assert.deepEqual(runtimeClosure(root, 'client/index.ts'), { files: ['client/index.ts', 'server/b.ts'], modules: ['prom-client'] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
