import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { isSidewireError } from '../../src/errors.js';
import { ClientMetrics } from '../../src/observability/client-metrics.js';
import { labelValues, sampleValue } from './exposition.js';

test('reconnects, spool depth and call outcomes are exposed', async () => {
  const m = new ClientMetrics();
  m.reconnected();
  m.reconnected();
  m.spoolDepth(5);
  m.spoolDepth(3);
  m.callDone('ok');
  m.callDone('ok');
  m.callDone('timeout');
  const text = await m.metrics();
  assert.equal(sampleValue(text, 'sidewire_client_reconnects_total'), 2);
  assert.equal(sampleValue(text, 'sidewire_client_spool_depth'), 3);
  assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'ok' }), 2);
  assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'timeout' }), 1);
  assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'failed' }), 0);
  assert.deepEqual(labelValues(text, 'sidewire_client_calls_total', 'outcome').sort(), ['cancelled', 'error', 'failed', 'ok', 'timeout']);
});

test('counters accumulate across scrapes without double counting', async () => {
  const m = new ClientMetrics();
  m.callDone('error');
  await m.metrics();
  m.callDone('error');
  const text = await m.metrics();
  assert.equal(sampleValue(text, 'sidewire_client_calls_total', { outcome: 'error' }), 2);
});

test('client and server metrics can share a registry; same prefix twice cannot', async () => {
  const registry = new Registry();
  const m = new ClientMetrics({ registry, prefix: 'tool_' });
  m.spoolDepth(7);
  assert.equal(sampleValue(await registry.metrics(), 'tool_client_spool_depth'), 7);
  assert.equal(m.contentType, registry.contentType);
  assert.throws(() => new ClientMetrics({ registry, prefix: 'tool_' }), (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT'));
});
