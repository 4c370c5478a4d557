/** RingAllocator: regions in order, wrap-around without splitting, release in order, no room = -1. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingAllocator } from '../../src/transport/shm/ring-allocator.js';

describe('RingAllocator', () => {
  it('hands out regions one after another and refuses what does not fit', () => {
    const r = new RingAllocator(100);
    assert.equal(r.reserve(40), 0);
    assert.equal(r.reserve(40), 40);
    assert.equal(r.reserve(40), -1, 'only 20 bytes are left before the end, and the start is in use');
    assert.equal(r.outstanding, 2);
    assert.equal(r.usedBytes, 80);
  });

  it('a region never wraps: it starts again at 0, and the skipped bytes come back with it', () => {
    const r = new RingAllocator(100);
    r.reserve(40);
    r.reserve(40);
    assert.ok(r.release(1)); // [0, 40) free
    assert.equal(r.reserve(30), 0, 'skips the 20 bytes at the end');
    assert.equal(r.usedBytes, 40 + 20 + 30);
    assert.ok(r.release(2));
    assert.equal(r.usedBytes, 0);
    assert.equal(r.reserve(100), 0, 'an empty ring takes a whole-ring payload wherever its position was');
  });

  it('refuses zero, negative and larger-than-the-ring lengths', () => {
    const r = new RingAllocator(64);
    assert.equal(r.reserve(0), -1);
    assert.equal(r.reserve(-1), -1);
    assert.equal(r.reserve(65), -1);
    assert.equal(r.reserve(64), 0);
  });

  it('release of more regions than are outstanding is refused and changes nothing', () => {
    const r = new RingAllocator(64);
    r.reserve(10);
    assert.equal(r.release(2), false);
    assert.equal(r.release(-1), false);
    assert.equal(r.release(1.5), false);
    assert.equal(r.outstanding, 1);
    assert.ok(r.release(0));
    assert.ok(r.release(1));
  });

  it('property: reserved regions never overlap a region still outstanding, and always lie inside the ring', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 4096 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }), (capacity, steps) => {
        const r = new RingAllocator(capacity);
        const live: Array<[number, number]> = [];
        for (const [length, releases] of steps) {
          const offset = r.reserve(length);
          if (offset >= 0) {
            assert.ok(offset + length <= capacity);
            for (const [o, l] of live) assert.ok(offset + length <= o || o + l <= offset, `[${offset},${offset + length}) overlaps [${o},${o + l})`);
            live.push([offset, length]);
          } else if (live.length === 0) {
            assert.ok(length > capacity, 'an empty ring refuses only payloads bigger than the ring');
          }
          const n = Math.min(releases, live.length);
          assert.ok(r.release(n));
          live.splice(0, n);
          assert.equal(r.outstanding, live.length);
        }
      }),
    );
  });
});
