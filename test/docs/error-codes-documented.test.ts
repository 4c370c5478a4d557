// Every ErrorCode in src/errors.ts must have its own section in docs/errors.md, and the docs
// must not list codes that no longer exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const source = readFileSync(new URL('../../src/errors.ts', import.meta.url), 'utf8');
const union = source.slice(source.indexOf('export type ErrorCode'), source.indexOf(';', source.indexOf('export type ErrorCode')));
const codes = [...union.matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1]);
const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = [...docs.matchAll(/^### `(ERR_[A-Z_]+)`/gm)].map((m) => m[1]);

test('the ErrorCode union is found and non-trivial', () => {
  assert.ok(codes.length >= 10, `found only ${codes.length} codes`);
});

test('every error code has a section in docs/errors.md', () => {
  const missing = codes.filter((c) => !documented.includes(c));
  assert.deepEqual(missing, []);
});

test('docs/errors.md documents no unknown codes', () => {
  const unknown = documented.filter((c) => !codes.includes(c));
  assert.deepEqual(unknown, []);
});
