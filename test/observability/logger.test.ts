import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError } from '../../src/errors.js';
import { consoleLogger, debugEnablesSidewire, loggerFromEnv, silentLogger, type LogStream } from '../../src/observability/logger.js';
import { redact } from '../../src/observability/redact.js';

/** A stream that keeps what is written. */
function memoryStream(): LogStream & { lines: () => string[] } {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => chunks.push(chunk),
    lines: () => chunks.join('').split('\n').filter((l) => l !== ''),
  };
}

const NOON = (): Date => new Date(2024, 0, 2, 12, 0, 1, 123); // local time

describe('consoleLogger', () => {
  test('writes one human-readable line per entry', () => {
    const stream = memoryStream();
    const log = consoleLogger({ stream, clock: NOON });
    log.info({ clientId: 'ab12cd34ef56', mode: 'json' }, 'client connected');
    log.warn({ n: 3, ok: true, nothing: null, list: [1, 2] });
    assert.deepEqual(stream.lines(), [
      '12:00:01.123 INFO client connected clientId=ab12cd34ef56 mode=json',
      '12:00:01.123 WARN n=3 ok=true nothing=null list=[1,2]',
    ]);
  });

  test('quotes values with spaces and keeps multi-line text on one line', () => {
    const stream = memoryStream();
    const log = consoleLogger({ stream, clock: NOON });
    log.error({ path: '/tmp/a b.sock', empty: '' }, 'first\nsecond');
    assert.deepEqual(stream.lines(), ['12:00:01.123 ERROR first second path="/tmp/a b.sock" empty=""']);
  });

  test('prints errors as code and message, never a stack trace', () => {
    const stream = memoryStream();
    const log = consoleLogger({ stream, clock: NOON });
    log.error({ err: new ConnectionError('ERR_CONNECT', 'cannot connect to /x.sock: ECONNREFUSED') }, 'connect failed');
    log.error({ nested: { err: new Error('inner') } });
    const [first, second] = stream.lines();
    assert.equal(first, '12:00:01.123 ERROR connect failed err="ERR_CONNECT: cannot connect to /x.sock: ECONNREFUSED"');
    assert.match(second!, /nested=\{"err":\{"name":"Error","message":"inner"\}\}$/);
    assert.doesNotMatch(stream.lines().join('\n'), /\bat /);
  });

  test('never prints secret-looking fields, at any depth', () => {
    const stream = memoryStream();
    const log = consoleLogger({ stream, clock: NOON });
    log.info({ token: 'tok-123', headers: { Authorization: 'Bearer sekrit' }, user: { password: 'hunter2', name: 'ann' }, apiKey: 'k-1' }, 'hello');
    const out = stream.lines().join('\n');
    for (const secret of ['tok-123', 'sekrit', 'hunter2', 'k-1']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
    assert.ok(out.includes('token=[redacted]'));
    assert.ok(out.includes('"name":"ann"'));
  });

  test('drops entries below its level', () => {
    const stream = memoryStream();
    const log = consoleLogger({ stream, clock: NOON, level: 'warn' });
    log.debug({}, 'd');
    log.info({}, 'i');
    log.warn({}, 'w');
    log.error({}, 'e');
    assert.deepEqual(stream.lines(), ['12:00:01.123 WARN w', '12:00:01.123 ERROR e']);
  });

  test('debug level writes everything; default level is info', () => {
    const verbose = memoryStream();
    consoleLogger({ stream: verbose, clock: NOON, level: 'debug' }).debug({ a: 1 }, 'd');
    const normal = memoryStream();
    const log = consoleLogger({ stream: normal, clock: NOON });
    log.debug({}, 'hidden');
    log.info({}, 'shown');
    assert.deepEqual(verbose.lines(), ['12:00:01.123 DEBUG d a=1']);
    assert.deepEqual(normal.lines(), ['12:00:01.123 INFO shown']);
  });
});

describe('redact', () => {
  test('hides secret keys in nested objects and arrays, case-insensitively', () => {
    const input = { a: 1, TOKEN: 'x', list: [{ clientSecret: 's', keep: 'k' }], auth: { authorization: 'b', passwd: 'p' } };
    assert.deepEqual(redact(input), {
      a: 1,
      TOKEN: '[redacted]',
      list: [{ clientSecret: '[redacted]', keep: 'k' }],
      auth: { authorization: '[redacted]', passwd: '[redacted]' },
    });
    assert.equal(input.TOKEN, 'x', 'the input is not modified');
  });

  test('is JSON-safe: cycles, bigints, errors without stack', () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic['self'] = cyclic;
    cyclic['err'] = Object.assign(new Error('boom'), { code: 'E_X' });
    const out = redact(cyclic);
    assert.deepEqual(out, { n: '1', self: '[circular]', err: { name: 'Error', message: 'boom', code: 'E_X' } });
    assert.doesNotThrow(() => JSON.stringify(out));
  });
});

describe('loggerFromEnv', () => {
  function logsAt(env: Record<string, string>): string[] {
    const stream = memoryStream();
    const log = loggerFromEnv(env, { stream, clock: NOON });
    log.debug({}, 'd');
    log.info({}, 'i');
    log.warn({}, 'w');
    return stream.lines().map((l) => l.split(' ')[1]!);
  }

  test('silent unless asked', () => {
    assert.equal(loggerFromEnv({}), silentLogger);
    assert.equal(loggerFromEnv({ DEBUG: 'express:*' }), silentLogger);
    assert.deepEqual(logsAt({}), []);
  });

  test('DEBUG=sidewire* (or sidewire:*, or *) turns on debug logging', () => {
    assert.deepEqual(logsAt({ DEBUG: 'sidewire*' }), ['DEBUG', 'INFO', 'WARN']);
    assert.deepEqual(logsAt({ DEBUG: 'express,sidewire:*' }), ['DEBUG', 'INFO', 'WARN']);
    assert.deepEqual(logsAt({ DEBUG: '*' }), ['DEBUG', 'INFO', 'WARN']);
    assert.deepEqual(logsAt({ DEBUG: '*,-sidewire*' }), []);
  });

  test('SIDEWIRE_LOG picks the level and wins over DEBUG', () => {
    assert.deepEqual(logsAt({ SIDEWIRE_LOG: 'debug' }), ['DEBUG', 'INFO', 'WARN']);
    assert.deepEqual(logsAt({ SIDEWIRE_LOG: 'WARN', DEBUG: 'sidewire*' }), ['WARN']);
    assert.deepEqual(logsAt({ SIDEWIRE_LOG: 'silent', DEBUG: 'sidewire*' }), []);
    assert.deepEqual(logsAt({ SIDEWIRE_LOG: 'bogus' }), []);
  });

  test('debugEnablesSidewire follows debug-module style lists', () => {
    assert.equal(debugEnablesSidewire(undefined), false);
    assert.equal(debugEnablesSidewire(''), false);
    assert.equal(debugEnablesSidewire('sidewire'), true);
    assert.equal(debugEnablesSidewire('a  sidewire:server'), true);
    assert.equal(debugEnablesSidewire('-sidewire:*,sidewire*'), false);
  });
});
