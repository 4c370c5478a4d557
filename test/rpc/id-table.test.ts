import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdTable } from '../../src/util/id-table.js';

test('IdTable behaves like the Map subset it replaces', () => {
  const t = new IdTable<number, { n: number }>();
  assert.equal(t.size, 0);
  assert.equal(t.get(1), undefined);
  t.set(2, { n: 2 });
  t.set(1, { n: 1 });
  t.set(2, { n: 22 }); // replace: the size does not grow
  assert.equal(t.size, 2);
  assert.equal(t.has(1), true);
  assert.deepEqual(t.get(2), { n: 22 });
  assert.deepEqual([...t.values()], [{ n: 22 }, { n: 1 }]);
  assert.equal(t.delete(1), true);
  assert.equal(t.delete(1), false);
  assert.equal(t.has(1), false);
  assert.equal(t.size, 1);
  t.clear();
  assert.equal(t.size, 0);
  assert.deepEqual([...t.values()], []);
});

test('IdTable keeps every live entry, in order, across renewals', () => {
  const t = new IdTable<string, number>(5); // renew every 5 inserts
  for (let id = 1; id <= 1000; id++) {
    t.set(`k${id}`, id);
    if (id > 3) assert.equal(t.delete(`k${id - 3}`), true, `k${id - 3} is still there at ${id}`);
  }
  assert.equal(t.size, 3);
  assert.deepEqual([...t.values()], [998, 999, 1000]);
  assert.equal(t.get('k999'), 999);
  assert.equal(t.has('k997'), false);
});

test('IdTable.values() tolerates deletes while iterating (abortAll finishes entries as it goes)', () => {
  const t = new IdTable<number, number>();
  for (let i = 1; i <= 5; i++) t.set(i, i);
  const seen: number[] = [];
  for (const v of t.values()) {
    seen.push(v);
    t.delete(v);
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(t.size, 0);
});
