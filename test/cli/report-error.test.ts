/**
 * How the CLI reports errors (docs/errors.md): a non-sidewire error is `ERR_UNEXPECTED`, a code of
 * the ErrorCode union, printed like every other coded error; CLI hints keep the error's class.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, EndpointError, createError } from '../../src/errors.js';
import { cliHints } from '../../src/cli/hints.js';
import { EXIT, reportError, type CliIO } from '../../src/cli/io.js';

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {} }, out, err };
}

test('regression: a non-sidewire error is reported as ERR_UNEXPECTED with fixes, in JSON and for a person', () => {
  const json = capture();
  assert.equal(reportError(new Error('boom'), json.io, true), EXIT.failed);
  const printed = JSON.parse(json.out.join('')) as { ok: boolean; error: { code: string; message: string; fixes: string[] } };
  assert.equal(printed.ok, false);
  assert.equal(printed.error.code, 'ERR_UNEXPECTED');
  assert.equal(printed.error.message, 'boom');
  assert.ok(printed.error.fixes.length > 0);
  const human = capture();
  assert.equal(reportError('plain text', human.io, false), EXIT.failed);
  assert.match(human.err.join(''), /^sidewire: ERR_UNEXPECTED: plain text\nHow to fix:/);
});

test('a coded error keeps its code and exit code', () => {
  const c = capture();
  assert.equal(reportError(createError('ERR_NOT_RUNNING', 'no server at x'), c.io, true), EXIT.notRunning);
  assert.equal((JSON.parse(c.out.join('')) as { error: { code: string } }).error.code, 'ERR_NOT_RUNNING');
});

test('regression: CLI hints keep the class of the error they add fixes to', () => {
  const notRunning = cliHints(createError('ERR_NOT_RUNNING', 'no server at x', { fixes: ['start the server'] }), 'call', []);
  assert.ok(notRunning instanceof ConnectionError);
  assert.equal(notRunning.name, 'ConnectionError');
  const remote = cliHints(createError('ERR_ENDPOINT_REMOTE', 'remote', { fixes: ['or set allowRemote'] }), 'serve', []);
  assert.ok(remote instanceof EndpointError);
});
