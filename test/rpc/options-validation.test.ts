/**
 * Every server and client option is checked once, at construction, with ERR_INVALID_ARGUMENT naming
 * the option, its value and what is allowed (validate-options.ts, the tables in server-options.ts
 * and client-options.ts). Before, `createServer({ limits: { maxMessageBytes: -1 } })` was accepted
 * and the first connection threw an uncaught exception from a 'data' handler, and
 * `maxConnections: -5` refused everyone.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSidewireError } from '../../src/errors.js';
import { createClient } from '../../src/client/client.js';
import type { ClientOptions } from '../../src/client/client-options.js';
import { createServer } from '../../src/server/server.js';
import { DEFAULT_LIMITS, LIMIT_CHECKS, type ServerLimits, type ServerOptions } from '../../src/server/server-options.js';

/** An assertion callback: ERR_INVALID_ARGUMENT whose message starts with `option` and names the value. */
function invalid(option: string, shown?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isSidewireError(err, 'ERR_INVALID_ARGUMENT'), `expected ERR_INVALID_ARGUMENT, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${option} `), `"${err.message}" names ${option}`);
    if (shown !== undefined) assert.ok(err.message.endsWith(`got ${shown}`), `"${err.message}" shows ${shown}`);
    assert.equal(err.details['option'], option);
    return true;
  };
}

const server = (limits: Record<string, unknown>): unknown => createServer({ limits } as ServerOptions);

/** Counts, byte sizes and timeouts of the limits, with their allowed integer ranges. */
const NUMERIC: Record<string, { min: number; max: number }> = {};
for (const [key, check] of Object.entries(LIMIT_CHECKS)) {
  const m = /^an integer from (\d+) to (\d+)/.exec(check.expected);
  if (m !== null) NUMERIC[key] = { min: Number(m[1]), max: Number(m[2]) };
}

/** Values no numeric limit accepts, whatever its range. */
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constant(Infinity),
  fc.constant(-Infinity),
  fc.bigInt(),
  fc.array(fc.nat(), { maxLength: 2 }),
  fc.object({ maxDepth: 0 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Number.isInteger(v)),
);

describe('server options', () => {
  it('regression: limits.maxMessageBytes -1 is refused by createServer, not by the first connection', () => {
    assert.throws(() => server({ maxMessageBytes: -1 }), (err: unknown) => {
      assert.ok(isSidewireError(err, 'ERR_INVALID_ARGUMENT'));
      assert.equal(err.message, 'limits.maxMessageBytes must be an integer from 1 to 4294967295, got -1');
      return true;
    });
  });

  it('regression: maxConnections -5 (which refused everyone), NaN and strings are refused, naming the option and the value', () => {
    assert.throws(() => server({ maxConnections: -5 }), invalid('limits.maxConnections', '-5'));
    assert.throws(() => server({ maxConnections: Number.NaN }), invalid('limits.maxConnections', 'NaN'));
    assert.throws(() => server({ maxConnections: '10' }), invalid('limits.maxConnections', '"10"'));
    assert.throws(() => server({ requestTimeoutMs: 2 ** 31 }), invalid('limits.requestTimeoutMs', String(2 ** 31)), 'setTimeout would fire at once');
  });

  it('property: every numeric limit refuses every value outside its range or of another type, and accepts its range', () => {
    assert.ok(Object.keys(NUMERIC).length >= 12, 'the numeric limits were found');
    for (const [key, { min, max }] of Object.entries(NUMERIC)) {
      const above = max < 2 ** 52 ? [fc.integer({ min: max + 1, max: max + 1e9 })] : [fc.constant(2 ** 53)];
      const outside = fc.oneof(notANumber, fc.integer({ min: -1e9, max: min - 1 }), ...above);
      fc.assert(fc.property(outside, (value) => {
        assert.throws(() => server({ [key]: value }), invalid(`limits.${key}`));
      }), { numRuns: 60 });
      const inside = fc.integer({ min, max: Math.min(max, 2 ** 31 - 1) });
      fc.assert(fc.property(inside, (value) => {
        const big = key === 'maxBufferedBytes' ? { maxMessageBytes: 1 } : {};
        server({ ...big, [key]: value });
      }), { numRuns: 20 });
    }
  });

  it('enums are checked, unknown or misspelt limits are refused, and maxBufferedBytes is at least maxMessageBytes', () => {
    assert.throws(() => server({ slowConsumer: 'dropp' }), invalid('limits.slowConsumer', '"dropp"'));
    assert.throws(() => server({ oversized: true }), invalid('limits.oversized', 'true'));
    assert.throws(() => server({ maxMesageBytes: 10 }), (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT') && /limits\.maxMesageBytes is not an option/.test(err.message));
    assert.throws(() => createServer({ limits: 5 as never }), invalid('limits', '5'));
    assert.throws(() => server({ maxMessageBytes: 2 * 1024 * 1024, maxBufferedBytes: 1024 * 1024 }), invalid('limits.maxBufferedBytes', String(1024 * 1024)));
  });

  it('the other server options: types and ranges', () => {
    const bad: Array<[ServerOptions, string]> = [
      [{ socketMode: 0o1777 }, 'socketMode'],
      [{ portFallback: -1 }, 'portFallback'],
      [{ requireToken: 'yes' as never }, 'requireToken'],
      [{ timers: {} as never }, 'timers'],
      [{ server: { name: 'x' } as never }, 'server'],
      [{ modeHandlers: { txt: () => undefined } as never }, 'modeHandlers.txt'],
      [{ durable: { window: 0 } }, 'durable.window'],
      [{ health: { port: 70000 } }, 'health.port'],
      [{ onWarning: 'log' as never }, 'onWarning'],
    ];
    for (const [options, option] of bad) assert.throws(() => createServer(options), invalid(option), option);
    // Not strict at the top: the daemon kit passes its own options along with the server's.
    createServer({ app: 'x', config: {} } as ServerOptions);
    const limits: ServerLimits = { ...DEFAULT_LIMITS };
    assert.deepEqual(createServer({ limits }).limits, DEFAULT_LIMITS, 'the defaults are valid');
  });
});

describe('client options', () => {
  const client = (options: Record<string, unknown>): unknown => createClient({ endpoint: 'unix:///nonexistent/s.sock', reconnect: false, ...options } as ClientOptions);

  it('numbers, enums and nested options are checked when the client is made', () => {
    const bad: Array<[Record<string, unknown>, string, string]> = [
      [{ connectTimeoutMs: 0 }, 'connectTimeoutMs', '0'],
      [{ callTimeoutMs: -1 }, 'callTimeoutMs', '-1'],
      [{ callTimeoutMs: Number.NaN }, 'callTimeoutMs', 'NaN'],
      [{ maxMessageBytes: 0 }, 'maxMessageBytes', '0'],
      [{ mode: 'jsonn' }, 'mode', '"jsonn"'],
      [{ reconnect: { maxAttempts: -1 } }, 'reconnect.maxAttempts', '-1'],
      [{ reconnect: { factor: Infinity } }, 'reconnect.factor', 'Infinity'],
      [{ reconnect: { maxDelayMs: 2 ** 40 } }, 'reconnect.maxDelayMs', String(2 ** 40)],
      [{ queue: { maxSize: 1.5 } }, 'queue.maxSize', '1.5'],
      [{ spool: { batchSize: 0 } }, 'spool.batchSize', '0'],
      [{ token: 42 }, 'token', '42'],
    ];
    for (const [options, option, shown] of bad) assert.throws(() => client(options), invalid(option, shown), option);
    assert.throws(() => client({ reconnect: { maxAtempts: 3 } }), (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT') && /reconnect\.maxAtempts is not an option/.test(err.message));
  });

  it('property: connectTimeoutMs, callTimeoutMs and maxMessageBytes refuse anything but an integer in range', () => {
    for (const [key, min, max] of [['connectTimeoutMs', 1, 2 ** 31 - 1], ['callTimeoutMs', 0, 2 ** 31 - 1], ['maxMessageBytes', 1, 2 ** 32 - 1]] as const) {
      fc.assert(fc.property(fc.oneof(notANumber, fc.integer({ min: -1e6, max: min - 1 }), fc.integer({ min: max + 1, max: max + 1e6 })), (value) => {
        assert.throws(() => client({ [key]: value }), invalid(key));
      }), { numRuns: 60 });
    }
  });

  it('valid options make a client (nothing is checked twice at every connection attempt)', async () => {
    const c = createClient({ endpoint: 'unix:///nonexistent/s.sock', reconnect: { maxAttempts: Infinity, jitter: 0 }, queue: { maxSize: 0 }, callTimeoutMs: 0, mode: 'json' });
    await c.close();
  });
});
