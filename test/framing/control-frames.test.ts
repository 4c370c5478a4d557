/** The side channel's control frames in the length-prefix decoder: byte at a time, random chunks, in order with frames. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INDIRECT_FRAME_BYTES, INDIRECT_MARK, RELEASE_MARK, releaseFrame, writeIndirectFrame } from '../../src/framing/control-frames.js';
import { encodeFrame, LengthPrefixDecoder } from '../../src/framing/length-prefix.js';

type Event = ['frame', string] | ['indirect', number, number] | ['release', number] | ['error', string];

function decoder(events: Event[], withControl = true): LengthPrefixDecoder {
  return new LengthPrefixDecoder({
    maxFrameBytes: 1024,
    onFrame: (p) => events.push(['frame', p.toString()]),
    onError: (e) => events.push(['error', e.kind]),
    ...(withControl
      ? { onControl: (mark: number, a: number, b: number) => events.push(mark === INDIRECT_MARK ? ['indirect', a, b] : ['release', a]) }
      : {}),
  });
}

function indirect(offset: number, length: number): Buffer {
  const b = Buffer.alloc(INDIRECT_FRAME_BYTES);
  writeIndirectFrame(b, 0, offset, length);
  return b;
}

const stream = Buffer.concat([encodeFrame(Buffer.from('a')), indirect(64, 70000), releaseFrame(3), encodeFrame(Buffer.from('bc')), releaseFrame(0)]);
const expected: Event[] = [['frame', 'a'], ['indirect', 64, 70000], ['release', 3], ['frame', 'bc'], ['release', 0]];

describe('control frames', () => {
  it('are ff ff ff ff + offset + length and ff ff ff fe + count, big-endian', () => {
    assert.equal(indirect(0x01020304, 0x0a0b0c0d).toString('hex'), 'ffffffff010203040a0b0c0d');
    assert.equal(releaseFrame(258).toString('hex'), 'fffffffe00000102');
    assert.equal(RELEASE_MARK, 0xffff_fffe);
  });

  it('are decoded in order with ordinary frames, whole', () => {
    const events: Event[] = [];
    decoder(events).push(stream);
    assert.deepEqual(events, expected);
  });

  it('are decoded byte at a time', () => {
    const events: Event[] = [];
    const d = decoder(events);
    for (const byte of stream) d.push(Buffer.from([byte]));
    assert.deepEqual(events, expected);
  });

  it('property: the same events for any split of the stream into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const events: Event[] = [];
        const d = decoder(events);
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, stream.length]) {
          d.push(stream.subarray(from, p));
          from = p;
        }
        assert.deepEqual(events, expected);
      }),
    );
  });

  it('without onControl, those headers are lengths over the limit (too-large), as before', () => {
    const events: Event[] = [];
    decoder(events, false).push(indirect(64, 10));
    assert.deepEqual(events, [['error', 'too-large']]);
  });
});
