import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTextAuth, tokenMatches } from '../../src/text/text-auth.js';
import type { TextCommand } from '../../src/text/text-command.js';
import { createHelpCommand, helpLines } from '../../src/text/text-help.js';

describe('tokenMatches', () => {
  test('equal tokens match, others do not (incl. other lengths and prefixes)', () => {
    assert.equal(tokenMatches('abc123', 'abc123'), true);
    assert.equal(tokenMatches('abc124', 'abc123'), false);
    assert.equal(tokenMatches('abc12', 'abc123'), false);
    assert.equal(tokenMatches('abc1234', 'abc123'), false);
    assert.equal(tokenMatches('', 'abc123'), false);
  });
});

describe('applyTextAuth', () => {
  test('with a token: AUTH <token> WORD args → WORD args', () => {
    assert.deepEqual(applyTextAuth({ word: 'AUTH', args: ['s3cret', 'status', 'x'] }, 's3cret'), { word: 'STATUS', args: ['x'] });
  });

  test('with a token: wrong, missing or no AUTH → unauthorized', () => {
    assert.deepEqual(applyTextAuth({ word: 'AUTH', args: ['bad', 'STATUS'] }, 's3cret'), { error: 'unauthorized' });
    assert.deepEqual(applyTextAuth({ word: 'AUTH', args: [] }, 's3cret'), { error: 'unauthorized' });
    assert.deepEqual(applyTextAuth({ word: 'STATUS', args: [] }, 's3cret'), { error: 'unauthorized' });
  });

  test('with a token: right token but no WORD → an error that does not echo the token', () => {
    const r = applyTextAuth({ word: 'AUTH', args: ['s3cret'] }, 's3cret');
    assert.ok('error' in r);
    assert.doesNotMatch(r.error, /s3cret/);
  });

  test('without a token: lines pass through and a leading AUTH <x> is dropped', () => {
    assert.deepEqual(applyTextAuth({ word: 'PING', args: ['a'] }, undefined), { word: 'PING', args: ['a'] });
    assert.deepEqual(applyTextAuth({ word: 'AUTH', args: ['whatever', 'ping'] }, undefined), { word: 'PING', args: [] });
  });
});

describe('HELP', () => {
  const cmds = new Map<string, TextCommand>([
    ['STATUS', { description: 'show status', run: () => 'x' }],
    ['ping', { description: 'reply PONG', run: () => 'PONG' }],
  ]);

  test('lists "WORD — description" sorted, HELP included', () => {
    assert.deepEqual(helpLines(cmds), ['HELP — list the commands of this endpoint', 'PING — reply PONG', 'STATUS — show status']);
  });

  test('the HELP command returns those lines', async () => {
    const help = createHelpCommand(cmds);
    assert.deepEqual(await help.run([], { signal: new AbortController().signal }), helpLines(cmds));
  });
});
