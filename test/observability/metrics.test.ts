import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry, prometheusContentType } from 'prom-client';
import { isSidewireError } from '../../src/errors.js';
import { DEFAULT_DURATION_BUCKETS, ServerMetrics } from '../../src/observability/metrics.js';
import { labelValues, sampleValue } from './exposition.js';

const DURATION = 'sidewire_request_duration_seconds';

describe('ServerMetrics connections', () => {
  test('3 opened and 1 closed gives gauge 2 and total 3, per mode', async () => {
    const m = new ServerMetrics();
    m.connectionOpened('json');
    m.connectionOpened('json');
    m.connectionOpened('json');
    m.connectionClosed('json');
    m.connectionOpened('text');
    const text = await m.metrics();
    assert.equal(sampleValue(text, 'sidewire_connections', { mode: 'json' }), 2);
    assert.equal(sampleValue(text, 'sidewire_connections_total', { mode: 'json' }), 3);
    assert.equal(sampleValue(text, 'sidewire_connections', { mode: 'text' }), 1);
    assert.equal(sampleValue(text, 'sidewire_connections', { mode: 'binary' }), 0);
    assert.equal(sampleValue(text, 'sidewire_connections_total', { mode: 'binary' }), 0);
    assert.equal(m.openConnections, 3);
  });

  test('refusals are counted by reason, all reasons start at 0', async () => {
    const m = new ServerMetrics();
    assert.equal(sampleValue(await m.metrics(), 'sidewire_connections_refused_total', { reason: 'auth' }), 0);
    m.connectionRefused('limit');
    m.connectionRefused('limit');
    m.connectionRefused('invalid');
    const text = await m.metrics();
    assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'limit' }), 2);
    assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'invalid' }), 1);
    assert.equal(sampleValue(text, 'sidewire_connections_refused_total', { reason: 'auth' }), 0);
  });
});

describe('ServerMetrics messages', () => {
  test('messages and bytes are counted per mode and direction', async () => {
    const m = new ServerMetrics();
    m.messageIn('json', 100);
    m.messageIn('json', 50);
    m.messageOut('json', 10);
    m.messageIn('binary', 4096);
    const text = await m.metrics();
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', { mode: 'json' }), 2);
    assert.equal(sampleValue(text, 'sidewire_received_bytes_total', { mode: 'json' }), 150);
    assert.equal(sampleValue(text, 'sidewire_messages_sent_total', { mode: 'json' }), 1);
    assert.equal(sampleValue(text, 'sidewire_sent_bytes_total', { mode: 'json' }), 10);
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', { mode: 'binary' }), 1);
    assert.equal(sampleValue(text, 'sidewire_received_bytes_total', { mode: 'binary' }), 4096);
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', { mode: 'text' }), 0);
  });

  test('counts accumulate across scrapes and a scrape does not double-count', async () => {
    const m = new ServerMetrics();
    m.messageIn('json', 1);
    assert.equal(sampleValue(await m.metrics(), 'sidewire_messages_received_total', { mode: 'json' }), 1);
    assert.equal(sampleValue(await m.metrics(), 'sidewire_messages_received_total', { mode: 'json' }), 1);
    m.messageIn('json', 1);
    m.eventsDropped();
    m.eventsDropped(4);
    const text = await m.metrics();
    assert.equal(sampleValue(text, 'sidewire_messages_received_total', { mode: 'json' }), 2);
    assert.equal(sampleValue(text, 'sidewire_events_dropped_total'), 5);
  });
});

describe('ServerMetrics requests', () => {
  test('histogram count, sum and buckets per method; in-flight gauge', async () => {
    const m = new ServerMetrics();
    for (let i = 0; i < 4; i++) m.requestStarted();
    m.requestDone('echo', 0.0002);
    m.requestDone('echo', 0.0002);
    m.requestDone('slow', 2);
    const text = await m.metrics();
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'echo' }), 2);
    assert.equal(sampleValue(text, `${DURATION}_sum`, { method: 'echo' }), 0.0004);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'echo', le: '0.0001' }), 0);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'echo', le: '0.0005' }), 2);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'echo', le: '+Inf' }), 2);
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'slow' }), 1);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'slow', le: '1' }), 0);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'slow', le: '5' }), 1);
    assert.equal(sampleValue(text, 'sidewire_requests_in_flight'), 1);
    assert.deepEqual(labelValues(text, `${DURATION}_bucket`, 'le').length, DEFAULT_DURATION_BUCKETS.length + 1);
  });

  test('a value exactly on a bound falls in that bucket; non-finite durations are ignored', async () => {
    const m = new ServerMetrics();
    m.requestStarted();
    m.requestDone('x', 0.01);
    m.requestStarted();
    m.requestDone('x', Number.NaN);
    const text = await m.metrics();
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'x', le: '0.005' }), 0);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'x', le: '0.01' }), 1);
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'x' }), 1);
  });

  test('errors are counted by JSON-RPC code, from requests and on their own', async () => {
    const m = new ServerMetrics();
    m.requestStarted();
    m.requestDone('nope', 0.001, -32601);
    m.requestStarted();
    m.requestDone('nope', 0.001, -32601);
    m.errorSent(-32700);
    const text = await m.metrics();
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32601' }), 2);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '-32700' }), 1);
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'nope' }), 2);
  });

  test('distinct method names are bounded; the rest count as "other"', async () => {
    const m = new ServerMetrics({ maxMethods: 3 });
    for (let i = 0; i < 10; i++) {
      m.requestStarted();
      m.requestDone(`random.${i}`, 0.001);
    }
    m.requestStarted();
    m.requestDone('random.0', 0.001);
    const text = await m.metrics();
    assert.deepEqual(labelValues(text, `${DURATION}_count`, 'method').sort(), ['other', 'random.0', 'random.1', 'random.2']);
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'other' }), 7);
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'random.0' }), 2);
  });

  test('distinct error codes are bounded too', async () => {
    const m = new ServerMetrics({ maxErrorCodes: 2 });
    for (const code of [1, 2, 3, 4, 1]) m.errorSent(code);
    const text = await m.metrics();
    assert.deepEqual(labelValues(text, 'sidewire_errors_total', 'code').sort(), ['1', '2', 'other']);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: 'other' }), 2);
    assert.equal(sampleValue(text, 'sidewire_errors_total', { code: '1' }), 2);
  });

  test('custom buckets are used', async () => {
    const m = new ServerMetrics({ durationBuckets: [0.5, 1] });
    m.requestStarted();
    m.requestDone('a', 0.7);
    const text = await m.metrics();
    assert.deepEqual(labelValues(text, `${DURATION}_bucket`, 'le'), ['0.5', '1', '+Inf']);
    assert.equal(sampleValue(text, `${DURATION}_bucket`, { method: 'a', le: '1' }), 1);
  });
});

describe('ServerMetrics registry', () => {
  test('uses a new registry by default, never the global one', async () => {
    const m = new ServerMetrics();
    assert.notEqual(m.registry, globalRegistry);
    assert.equal(globalRegistry.getSingleMetric('sidewire_connections'), undefined);
    assert.equal(m.contentType, prometheusContentType);
  });

  test('registers into a given registry with a prefix, next to other metrics', async () => {
    const registry = new Registry();
    const m = new ServerMetrics({ registry, prefix: 'app_' });
    m.connectionOpened('binary');
    const text = await registry.metrics();
    assert.equal(sampleValue(text, 'app_connections', { mode: 'binary' }), 1);
    assert.equal(sampleValue(text, 'sidewire_connections', { mode: 'binary' }), undefined);
  });

  test('a second set with the same prefix in one registry is a clear error', () => {
    const registry = new Registry();
    new ServerMetrics({ registry });
    assert.throws(
      () => new ServerMetrics({ registry }),
      (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT') && err.fixes.length > 0 && /already been registered/.test(err.message),
    );
    assert.doesNotThrow(() => new ServerMetrics({ registry, prefix: 'second_' }));
  });

  test('registry.resetMetrics() zeroes counters and the histogram', async () => {
    const m = new ServerMetrics();
    m.messageIn('json', 10);
    m.requestStarted();
    m.requestDone('a', 0.1);
    await m.metrics();
    m.registry.resetMetrics();
    const text = await m.metrics();
    assert.equal(sampleValue(text, `${DURATION}_count`, { method: 'a' }), 0);
    assert.ok([0, undefined].includes(sampleValue(text, 'sidewire_received_bytes_total', { mode: 'json' })));
  });

  test('JSON exposition (used for cluster aggregation) includes the histogram', async () => {
    const m = new ServerMetrics();
    m.requestStarted();
    m.requestDone('a', 0.1);
    const json = await m.registry.getMetricsAsJSON();
    const hist = json.find((x) => x.name === DURATION);
    assert.ok(hist);
    assert.equal(String(hist.type), 'histogram');
    const count = hist.values.find((v) => (v as { metricName?: string }).metricName === `${DURATION}_count`);
    assert.equal(count?.value, 1);
  });

  test('bad options fail with ERR_INVALID_ARGUMENT', () => {
    const invalid = (err: unknown): boolean => isSidewireError(err, 'ERR_INVALID_ARGUMENT');
    assert.throws(() => new ServerMetrics({ prefix: '9bad' }), invalid);
    assert.throws(() => new ServerMetrics({ prefix: 'has space_' }), invalid);
    assert.throws(() => new ServerMetrics({ durationBuckets: [] }), invalid);
    assert.throws(() => new ServerMetrics({ durationBuckets: [1, 0.5] }), invalid);
    assert.throws(() => new ServerMetrics({ durationBuckets: [Number.POSITIVE_INFINITY] }), invalid);
    assert.throws(() => new ServerMetrics({ maxMethods: 0 }), invalid);
    assert.throws(() => new ServerMetrics({ maxErrorCodes: 1.5 }), invalid);
  });
});
