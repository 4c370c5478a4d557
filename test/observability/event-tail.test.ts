/**
 * The dashboard's pieces without a server: the event tail (bounded ring, sizes, payloads only when
 * enabled and then redacted and capped) and the latency summary of a histogram slot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventTail } from '../../src/observability/event-tail.js';
import { HistogramSlot } from '../../src/observability/batched-histogram.js';

test('the tail keeps the last `size` entries, in order, with increasing sequence numbers', () => {
  let now = 1000;
  const tail = new EventTail({ size: 3, now: () => now++ });
  for (let i = 0; i < 5; i++) tail.push('connect', 'json', { clientId: `c${i}` });
  const all = tail.since();
  assert.deepEqual(all.map((e) => e.clientId), ['c2', 'c3', 'c4']);
  assert.deepEqual(all.map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(tail.since(4).map((e) => e.clientId), ['c4']);
  assert.equal(all[0]!.time, 1002);
});

test('published events: size always, payload only when enabled, redacted and capped', () => {
  const data = { build: 'ok', token: 's3cr3t', nested: { password: 'p', keep: 1 } };
  const plain = new EventTail();
  plain.published('build.done', data, 2);
  const [e] = plain.since();
  assert.equal(e!.size, Buffer.byteLength(JSON.stringify(data)));
  assert.equal(e!.detail, '2 receivers');
  assert.equal('payload' in e!, false, 'no payload unless enabled');

  const withPayloads = new EventTail({ payloads: true, maxPayloadBytes: 200 });
  withPayloads.published('build.done', data, 1);
  withPayloads.published('big', { blob: 'x'.repeat(500) }, 0);
  const [small, big] = withPayloads.since();
  assert.deepEqual(small!.payload, { build: 'ok', token: '[redacted]', nested: { password: '[redacted]', keep: 1 } });
  assert.equal(big!.payload, '[payload over 200 bytes]');
  assert.doesNotMatch(JSON.stringify(withPayloads.since()), /s3cr3t/);
});

test('a histogram slot summary: count, mean and bucket-bound percentiles', () => {
  const slot = new HistogramSlot(Float64Array.from([0.001, 0.01, 0.1]));
  assert.equal(slot.summary(), undefined);
  for (let i = 0; i < 90; i++) slot.observe(0.0005);
  for (let i = 0; i < 9; i++) slot.observe(0.05);
  slot.observe(5);
  const s = slot.summary()!;
  assert.equal(s.count, 100);
  assert.equal(s.p50, 0.001);
  assert.equal(s.p90, 0.001);
  assert.equal(s.p99, 0.1);
  assert.ok(Math.abs(s.mean - (90 * 0.0005 + 9 * 0.05 + 5) / 100) < 1e-12);
  slot.observe(7);
  assert.equal(slot.summary()!.p99, Infinity, 'past the last bound');
});
