import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bufferView } from '../../src/framing/buffer-view.js';

test('bufferView is a real Buffer sharing the source memory, equal to subarray', () => {
  const source = Buffer.from('0123456789');
  const view = bufferView(source, 2, 5);
  assert.ok(Buffer.isBuffer(view));
  assert.equal(Object.getPrototypeOf(view), Buffer.prototype);
  assert.deepEqual(view, source.subarray(2, 5));
  assert.equal(view.toString(), '234');
  source[2] = 0x41; // shares memory: no copy was made
  assert.equal(view.toString(), 'A34');
  assert.equal(bufferView(source, 3, 3).length, 0);
});

test('bufferView of a Buffer at an offset in a pooled ArrayBuffer matches subarray', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const pooled = Buffer.from(bytes); // small Buffers live at an offset in Node's pool
      const start = a % (pooled.length + 1);
      const end = start + (b % (pooled.length - start + 1));
      const view = bufferView(pooled, start, end);
      assert.deepEqual(view, pooled.subarray(start, end));
      assert.equal(view.buffer, pooled.buffer);
      assert.equal(view.byteOffset, pooled.byteOffset + start);
    }),
  );
});
