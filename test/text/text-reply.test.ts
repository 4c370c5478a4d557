import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointError } from '../../src/errors.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { formatTextError, formatTextReply, singleLine } from '../../src/text/text-reply.js';

describe('formatTextReply', () => {
  test('strings pass through', () => {
    assert.equal(formatTextReply('OK'), 'OK');
    assert.equal(formatTextReply('PONG'), 'PONG');
    assert.equal(formatTextReply('ERR: already paused'), 'ERR: already paused');
  });

  test('line breaks inside a string become spaces', () => {
    assert.equal(formatTextReply('a\r\nb\nc\rd'), 'a b c d');
  });

  test('objects, arrays, numbers, null become single-line JSON', () => {
    assert.equal(formatTextReply({ state: 'running', note: 'x\ny' }), '{"state":"running","note":"x\\ny"}');
    assert.equal(formatTextReply([1, 'a']), '[1,"a"]');
    assert.equal(formatTextReply(3), '3');
    assert.equal(formatTextReply(false), 'false');
    assert.equal(formatTextReply(null), 'null');
  });

  test('undefined → OK', () => {
    assert.equal(formatTextReply(undefined), 'OK');
  });

  test('an Error value → ERR: <message>', () => {
    assert.equal(formatTextReply(new Error('nope')), 'ERR: nope');
  });

  test('values JSON cannot encode → ERR', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.equal(formatTextReply(cyclic), 'ERR: reply could not be encoded as JSON');
    assert.equal(formatTextReply({ n: 1n }), 'ERR: reply could not be encoded as JSON');
  });

  test('never contains a line break', () => {
    for (const v of ['x\n', { a: '\n' }, new Error('a\nb'), ['\r\n']]) assert.doesNotMatch(formatTextReply(v), /[\r\n]/);
  });
});

describe('formatTextError', () => {
  test('SidewireError and ResponseError give their message, never a stack', () => {
    const e = new EndpointError('ERR_ENDPOINT_IN_USE', 'in use by pid 12', { fixes: ['stop it'] });
    assert.equal(formatTextError(e), 'ERR: in use by pid 12');
    assert.equal(formatTextError(new ResponseError(-32000, 'already paused')), 'ERR: already paused');
    assert.doesNotMatch(formatTextError(new Error('boom')), /at |\n/);
  });

  test('non-errors and empty messages give a generic reason', () => {
    assert.equal(formatTextError(42), 'ERR: command failed');
    assert.equal(formatTextError(new Error('')), 'ERR: command failed');
    assert.equal(formatTextError('plain reason'), 'ERR: plain reason');
  });

  test('very long messages are cut', () => {
    const line = formatTextError(new Error('x'.repeat(5000)));
    assert.ok(line.length < 1100);
    assert.ok(line.endsWith('…'));
  });
});

describe('singleLine', () => {
  test('removes control characters, keeps tabs', () => {
    assert.equal(singleLine('a\u0000b\tc\u001b'), 'ab\tc');
  });
});
