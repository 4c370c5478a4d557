/**
 * One code, one class, one way to build it (docs/errors.md): the table of src/errors.ts covers
 * every code of the ErrorCode union, `createError` builds each code as the table's class, and no
 * file of src/ constructs a sidewire error class directly (which is how one code came to be thrown
 * as two classes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConnectionError,
  DaemonError,
  ERROR_CLASSES,
  EndpointError,
  SidewireError,
  connectionLost,
  createError,
  encodeFailed,
  unexpectedError,
  type ErrorCode,
} from '../../src/errors.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The codes of the `ErrorCode` union, read from the source as the docs test reads them. */
function unionCodes(): string[] {
  const source = readFileSync(join(SRC, 'errors.ts'), 'utf8');
  const start = source.indexOf('export type ErrorCode');
  return [...source.slice(start, source.indexOf(';', start)).matchAll(/'(ERR_[A-Z_]+)'/g)].map((m) => m[1] ?? '');
}

test('the error table has exactly the codes of the ErrorCode union', () => {
  assert.deepEqual(Object.keys(ERROR_CLASSES).sort(), unionCodes().sort());
});

test('createError builds every code as the class the table gives it, with its name and code', () => {
  for (const [code, Class] of Object.entries(ERROR_CLASSES) as [ErrorCode, typeof SidewireError][]) {
    const err = createError(code, 'what failed and why', { fixes: ['do this'], details: { k: 1 } });
    assert.equal(err.constructor, Class, code);
    assert.ok(err instanceof SidewireError, code);
    assert.equal(err.name, Class.name, code);
    assert.equal(err.code, code);
    assert.equal(err.message, 'what failed and why');
    assert.deepEqual(err.fixes, ['do this']);
    assert.deepEqual(err.details, { k: 1 });
  }
});

test('no file of src/ but errors.ts constructs a sidewire error class or declares one', () => {
  const direct = /new (?:Sidewire|Endpoint|Connection|Timeout|Daemon)Error\s*\(|class \w+ extends (?:Sidewire|Endpoint|Connection|Timeout|Daemon)Error\b/;
  const offenders = sourceFiles(SRC)
    .filter((file) => relative(SRC, file) !== 'errors.ts')
    .filter((file) => direct.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  assert.deepEqual(offenders, []);
});

test('regression: ERR_ENDPOINT_PERMISSION is one class (EndpointError), ERR_INVALID_ARGUMENT another (SidewireError)', () => {
  assert.equal(ERROR_CLASSES.ERR_ENDPOINT_PERMISSION, EndpointError);
  assert.equal(ERROR_CLASSES.ERR_INVALID_ARGUMENT, SidewireError);
  assert.equal(ERROR_CLASSES.ERR_CONFIG, DaemonError);
});

test('regression: ERR_CONNECTION_LOST has one wording: what was lost, what it interrupted, why, how to fix', () => {
  const plain = connectionLost({ endpoint: 'unix:///x.sock' });
  assert.ok(plain instanceof ConnectionError);
  assert.equal(plain.message, 'the connection to unix:///x.sock was lost');
  assert.match(plain.fixes[0] ?? '', /sidewire doctor/);
  assert.match(plain.fixes[1] ?? '', /connect again/);
  assert.deepEqual(plain.details, { endpoint: 'unix:///x.sock' });
  const cause = new Error('read ECONNRESET');
  const full = connectionLost({ endpoint: 'e', during: "'sum'", why: 'the server said: bye', reconnects: true, cause });
  assert.equal(full.message, "the connection to e was lost before 'sum' completed (the server said: bye)");
  assert.match(full.fixes[1] ?? '', /reconnects by itself/);
  assert.equal(full.cause, cause);
});

test('ERR_ENCODE keeps the encoder error as cause; ERR_UNEXPECTED wraps only what is not a sidewire error', () => {
  const why = new TypeError('Do not know how to serialize a BigInt');
  const enc = encodeFailed('the message as JSON', why);
  assert.equal(enc.code, 'ERR_ENCODE');
  assert.equal(enc.message, 'cannot encode the message as JSON: Do not know how to serialize a BigInt');
  assert.equal(enc.cause, why);
  const bug = new Error('boom');
  const unexpected = unexpectedError(bug);
  assert.equal(unexpected.code, 'ERR_UNEXPECTED');
  assert.equal(unexpected.message, 'boom');
  assert.equal(unexpected.cause, bug);
  assert.equal(unexpectedError(enc), enc);
  assert.equal(unexpectedError('text').message, 'text');
});
