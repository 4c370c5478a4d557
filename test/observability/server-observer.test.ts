/** Unit tests of the glue: observer defaults, close reasons, `$/stats` rates and screen, CLI flags. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cliLogger, observabilityFromFlags } from '../../src/cli/observability-flags.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ServerMetrics } from '../../src/observability/metrics.js';
import { closeReason, createServerObserver, ServerObserver } from '../../src/observability/server-observer.js';
import type { ServerStats } from '../../src/observability/server-vitals.js';
import { compactBytes, compactNumber, formatStatsScreen, statsRates } from '../../src/observability/stats-view.js';

describe('createServerObserver', () => {
  test('metrics: false/undefined → none; true → a new ServerMetrics; an instance is used as is', () => {
    assert.equal(createServerObserver({ env: {} }).metrics, undefined);
    assert.equal(createServerObserver({ metrics: false, env: {} }).metrics, undefined);
    assert.ok(createServerObserver({ metrics: true, env: {} }).metrics instanceof ServerMetrics);
    const mine = new ServerMetrics();
    assert.equal(createServerObserver({ metrics: mine, env: {} }).metrics, mine);
  });

  test('the default logger is silent unless SIDEWIRE_LOG or DEBUG asks; an explicit logger wins', () => {
    assert.equal(createServerObserver({ env: {} }).logger, silentLogger);
    assert.notEqual(createServerObserver({ env: { DEBUG: 'sidewire*' } }).logger, silentLogger);
    assert.notEqual(createServerObserver({ env: { SIDEWIRE_LOG: 'info' } }).logger, silentLogger);
    const mine = { debug() {}, info() {}, warn() {}, error() {} };
    assert.equal(createServerObserver({ logger: mine, env: { DEBUG: '*' } }).logger, mine);
  });

  test('without metrics and subscribers, requestStarted returns 0 (no clock read); with metrics it reads the clock', () => {
    let reads = 0;
    const o = createServerObserver({ env: {} });
    assert.equal(o.requestStarted(), 0);
    const timed = new ServerObserver({ metrics: new ServerMetrics(), now: () => ++reads });
    assert.equal(timed.requestStarted(), 1);
  });
});

test('closeReason', () => {
  assert.equal(closeReason({ hadError: false, serverClosing: true }), 'server closing');
  assert.equal(closeReason({ hadError: true, error: new Error('slow consumer: more than 10 bytes buffered'), serverClosing: false }), 'slow consumer: more than 10 bytes buffered');
  assert.equal(closeReason({ hadError: true, serverClosing: false }), 'socket error');
  assert.equal(closeReason({ hadError: false, serverClosing: false }), 'closed');
});

function stats(time: number, n: number, metrics = true): ServerStats {
  const mode = (json: number) => ({ json, binary: 0, text: 0, lsp: 0 });
  return {
    time,
    state: 'running',
    uptimeSecs: 5,
    connections: 2,
    version: '1.0.0',
    metrics: metrics
      ? { connections: mode(2), connectionsTotal: mode(3), refused: { limit: 1, auth: 0, invalid: 0, peer: 0 }, messagesIn: mode(n), messagesOut: mode(n), bytesIn: mode(100 * n), bytesOut: mode(50 * n), requests: n, inFlight: 1, errors: n / 10, eventsDropped: 0 }
      : null,
  };
}

describe('stats view', () => {
  test('rates per second use the server clock; none without a previous sample, time, metrics, or after a restart', () => {
    const r = statsRates(stats(1000, 100), stats(3000, 300));
    assert.deepEqual(r, { messagesIn: 100, messagesOut: 100, bytesIn: 10_000, bytesOut: 5000, requests: 100, errors: 10, eventsDropped: 0 });
    assert.equal(statsRates(undefined, stats(1000, 1)), undefined);
    assert.equal(statsRates(stats(1000, 1), stats(1000, 2)), undefined);
    assert.equal(statsRates(stats(1000, 1, false), stats(2000, 2, false)), undefined);
    assert.equal(statsRates(stats(1000, 500), stats(2000, 10)), undefined);
  });

  test('LSP-framed connections are shown once there are some (older servers send no lsp count)', () => {
    const s = stats(3000, 300);
    const withLsp = { ...s, metrics: { ...s.metrics!, connections: { json: 2, binary: 0, text: 0, lsp: 1 } } };
    assert.match(formatStatsScreen('unix:///x.sock', withLsp, undefined), /connections +3 open \(json 2, binary 0, text 0, lsp 1\)/);
  });

  test('the screen shows every group; "in flight" leaves out the $/stats request itself', () => {
    const screen = formatStatsScreen('unix:///x.sock', stats(3000, 300), statsRates(stats(1000, 100), stats(3000, 300)));
    assert.match(screen, /^sidewire top — unix:\/\/\/x\.sock — running, up 5s, version 1\.0\.0\n/);
    assert.match(screen, /connections +2 open \(json 2, binary 0, text 0\) +3 total +refused 1 \(limit 1, auth 0, invalid 0\)/);
    assert.match(screen, /messages +in 100\/s +out 100\/s +total in 300, out 300/);
    assert.match(screen, /bytes +in 10\.0 kB\/s +out 5\.0 kB\/s/);
    assert.match(screen, /requests +100\/s +in flight 0 +total 300/);
    assert.match(screen, /errors +10\/s +total 30/);
    const first = formatStatsScreen('e', stats(1000, 1), undefined);
    assert.match(first, /messages +in – +out –/);
    assert.match(formatStatsScreen('e', stats(1000, 1, false), undefined), /metrics are off/);
  });

  test('compact numbers', () => {
    assert.equal(compactNumber(12), '12');
    assert.equal(compactNumber(2.5), '2.5');
    assert.equal(compactNumber(12_345), '12.3k');
    assert.equal(compactNumber(2_500_000), '2.5M');
    assert.equal(compactBytes(999), '999 B');
    assert.equal(compactBytes(1500), '1.5 kB');
    assert.equal(compactBytes(2_000_000), '2.0 MB');
  });
});

describe('sidewire serve flags', () => {
  const io = { env: {}, stderr: () => undefined };
  test('--health-port and --health-socket become the health option; metrics are always on', () => {
    assert.deepEqual(observabilityFromFlags({ 'health-port': '0' }, io).health, { port: 0 });
    assert.deepEqual(observabilityFromFlags({ 'health-port': '9464' }, io).health, { port: 9464 });
    assert.deepEqual(observabilityFromFlags({ 'health-socket': '/run/h.sock' }, io).health, { path: '/run/h.sock' });
    assert.equal(observabilityFromFlags({}, io).health, undefined);
    assert.equal(observabilityFromFlags({}, io).metrics, true);
  });

  test('bad values are usage errors', () => {
    const usage = (err: unknown): boolean => err instanceof Error && err.name === 'UsageError';
    assert.throws(() => observabilityFromFlags({ 'health-port': '65536' }, io), usage);
    assert.throws(() => observabilityFromFlags({ 'health-port': '-1' }, io), usage);
    assert.throws(() => observabilityFromFlags({ 'health-socket': 'rel.sock' }, io), usage);
    assert.throws(() => observabilityFromFlags({ 'health-port': '1', 'health-socket': '/a.sock' }, io), usage);
  });

  test('the CLI logger writes warnings by default, more when asked, nothing when silenced', () => {
    const run = (env: Record<string, string>): string => {
      let out = '';
      const logger = cliLogger(env, (t) => (out += t));
      logger.debug({ clientId: 'abc' }, 'client connected');
      logger.warn({ reason: 'limit' }, 'connection refused');
      return out;
    };
    assert.match(run({}), /WARN connection refused reason=limit\n$/);
    assert.doesNotMatch(run({}), /client connected/);
    assert.match(run({ DEBUG: 'sidewire:*' }), /DEBUG client connected clientId=abc/);
    assert.match(run({ SIDEWIRE_LOG: 'nonsense' }), /WARN connection refused/);
    assert.equal(run({ SIDEWIRE_LOG: 'silent' }), '');
  });
});
