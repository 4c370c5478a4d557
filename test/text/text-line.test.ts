import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTextLine, INVALID_CHARACTERS, parseTextLine, sanitizeWord } from '../../src/text/text-line.js';

describe('parseTextLine', () => {
  test('splits WORD and args on runs of spaces and tabs', () => {
    assert.deepEqual(parseTextLine('STATUS'), { word: 'STATUS', args: [] });
    assert.deepEqual(parseTextLine('set  key \t value'), { word: 'SET', args: ['key', 'value'] });
    assert.deepEqual(parseTextLine('  \tping  '), { word: 'PING', args: [] });
  });

  test('upper-cases WORD only', () => {
    assert.deepEqual(parseTextLine('echo MiXeD case'), { word: 'ECHO', args: ['MiXeD', 'case'] });
  });

  test('accepts a trailing \\n, \\r\\n or \\r', () => {
    for (const line of ['PING\n', 'PING\r\n', 'PING\r']) assert.deepEqual(parseTextLine(line), { word: 'PING', args: [] });
  });

  test('rejects control characters other than tab', () => {
    for (const line of ['PI\u0000NG', 'PING\rX', 'A\nB', 'PING \u001b[31m', 'X\u007f', 'X\u0085']) {
      assert.deepEqual(parseTextLine(line), { error: INVALID_CHARACTERS }, JSON.stringify(line));
    }
  });

  test('an empty line is an error', () => {
    assert.deepEqual(parseTextLine(''), { error: 'empty command line' });
    assert.deepEqual(parseTextLine(' \t\r\n'), { error: 'empty command line' });
  });

  test('keeps non-ASCII args', () => {
    assert.deepEqual(parseTextLine('echo héllo 日本'), { word: 'ECHO', args: ['héllo', '日本'] });
  });
});

describe('decodeTextLine', () => {
  test('decodes UTF-8', () => {
    assert.equal(decodeTextLine(Buffer.from('echo é')), 'echo é');
  });

  test('rejects bytes that are not UTF-8', () => {
    assert.deepEqual(decodeTextLine(Buffer.from([0xff, 0xfe, 0x41])), { error: INVALID_CHARACTERS });
    assert.deepEqual(decodeTextLine(Buffer.from([0x41, 0xc3])), { error: INVALID_CHARACTERS }); // truncated sequence
  });
});

describe('sanitizeWord', () => {
  test('upper-cases and strips control characters', () => {
    assert.equal(sanitizeWord('fo\u0000o\u001b'), 'FOO');
  });

  test('truncates to 64 characters with an ellipsis', () => {
    assert.equal(sanitizeWord('a'.repeat(64)), 'A'.repeat(64));
    assert.equal(sanitizeWord('a'.repeat(65)), `${'A'.repeat(64)}…`);
  });
});
