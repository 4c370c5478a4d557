import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BINARY_PREFACE,
  BINARY_VERSION,
  LengthPrefixDecoder,
  encodeFrame,
  encodeFrameHeader,
  parsePreface,
  type LengthPrefixDecoderOptions,
} from '../../src/framing/length-prefix.js';
import type { FrameError } from '../../src/framing/frame-error.js';
import { isSidewireError } from '../../src/errors.js';
import { byteChunks, cutAt, randomChunks } from './chunking.js';

function recorder(options: Partial<LengthPrefixDecoderOptions> = {}) {
  const frames: Buffer[] = [];
  const errors: FrameError[] = [];
  const decoder = new LengthPrefixDecoder({
    onFrame: (p) => frames.push(Buffer.from(p)), // copy: the test may reuse chunk memory
    onError: (e) => errors.push(e),
    ...options,
  });
  const feed = (chunks: readonly Buffer[]) => {
    for (const c of chunks) decoder.push(c);
  };
  return { decoder, frames, errors, feed };
}

const PAYLOADS = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([0, 0, 0, 1]), Buffer.alloc(300, 7), Buffer.from('€😀')];
const STREAM = Buffer.concat(PAYLOADS.map(encodeFrame));

describe('LengthPrefixDecoder', () => {
  it('delivers frames inside one chunk as zero-copy slices of it', () => {
    const seen: Buffer[] = [];
    const decoder = new LengthPrefixDecoder({ onFrame: (p) => seen.push(p), onError: () => assert.fail('no error') });
    decoder.push(STREAM);
    assert.deepEqual(seen, PAYLOADS);
    for (const p of seen) assert.equal(p.buffer, STREAM.buffer);
    assert.equal(seen[0]!.byteOffset, STREAM.byteOffset + 4);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('decodes the stream fed one byte at a time', () => {
    const r = recorder();
    r.feed(byteChunks(STREAM));
    assert.deepEqual(r.frames, PAYLOADS);
    assert.equal(r.decoder.bufferedBytes, 0);
  });

  it('decodes the stream under random (seeded) chunk sizes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = recorder();
      r.feed(randomChunks(STREAM, seed, 1 + (seed % 97)));
      assert.deepEqual(r.frames, PAYLOADS, `seed ${seed}`);
    }
  });

  it('reports partial headers and frames in bufferedBytes', () => {
    const r = recorder();
    r.decoder.push(STREAM.subarray(0, 2));
    assert.equal(r.decoder.bufferedBytes, 2);
    r.decoder.push(STREAM.subarray(2, 6));
    assert.equal(r.decoder.bufferedBytes, 2); // header complete, 2 of 5 payload bytes
    r.decoder.push(STREAM.subarray(6, 9));
    assert.equal(r.decoder.bufferedBytes, 0);
    assert.deepEqual(r.frames, [Buffer.from('hello')]);
  });

  it('assembles a large frame into one buffer of exactly its length, allocated once', (t) => {
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const stream = Buffer.concat([encodeFrameHeader(payload.length), payload, encodeFrame(Buffer.from('next'))]);
    const r = recorder();
    const alloc = t.mock.method(Buffer, 'allocUnsafe');
    for (let i = 0; i < stream.length; i += 64 * 1024) r.decoder.push(stream.subarray(i, i + 64 * 1024));
    const sizes = alloc.mock.calls.map((c) => c.arguments[0]);
    alloc.mock.restore();
    assert.deepEqual(sizes, [payload.length]);
    assert.equal(r.frames.length, 2);
    assert.ok(r.frames[0]!.equals(payload));
    assert.deepEqual(r.frames[1], Buffer.from('next'));
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const r = recorder({ maxFrameBytes: 16 });
    r.decoder.push(encodeFrame(Buffer.alloc(16, 1)));
    assert.deepEqual(r.frames, [Buffer.alloc(16, 1)]);
    assert.deepEqual(r.errors, []);
  });

  it('rejects an oversized header before allocating, then ignores the rest of the stream', (t) => {
    for (const split of [false, true]) {
      const r = recorder({ maxFrameBytes: 1024 });
      const header = encodeFrameHeader(0xffff_ffff);
      const first = encodeFrame(Buffer.from('first'));
      const good = encodeFrame(Buffer.from('ok'));
      const chunks = split ? [first, header.subarray(0, 3), header.subarray(3)] : [Buffer.concat([first, header, Buffer.alloc(100)])];
      const alloc = t.mock.method(Buffer, 'allocUnsafe');
      r.feed(chunks);
      const sizes = alloc.mock.calls.map((c) => c.arguments[0]);
      alloc.mock.restore();
      assert.deepEqual(sizes, []);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]!.kind, 'too-large');
      assert.equal(r.errors[0]!.bytes, 0xffff_ffff);
      assert.match(r.errors[0]!.message, /limit of 1024 bytes/);
      assert.equal(r.decoder.bufferedBytes, 0);
      r.decoder.push(good);
      assert.deepEqual(r.frames, [Buffer.from('first')]);
      assert.equal(r.errors.length, 1);
      assert.equal(r.decoder.bufferedBytes, 0);
    }
  });

  it('propagates an onFrame exception and resumes with the next push', () => {
    const seen: string[] = [];
    const decoder = new LengthPrefixDecoder({
      onFrame: (p) => {
        seen.push(p.toString());
        if (p.toString() === 'boom') throw new Error('handler failed');
      },
      onError: () => assert.fail('no error'),
    });
    const stream = Buffer.concat(['a', 'boom', 'b', 'c'].map((s) => encodeFrame(Buffer.from(s))));
    assert.throws(() => decoder.push(stream.subarray(0, stream.length - 2)), /handler failed/);
    assert.deepEqual(seen, ['a', 'boom']);
    assert.equal(decoder.bufferedBytes, 5 + 3);
    decoder.push(stream.subarray(stream.length - 2));
    assert.deepEqual(seen, ['a', 'boom', 'b', 'c']);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('rejects an unusable maxFrameBytes with ERR_INVALID_ARGUMENT', () => {
    assert.throws(
      () => new LengthPrefixDecoder({ maxFrameBytes: -5, onFrame: () => {}, onError: () => {} }),
      (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT'),
    );
  });

  it('round-trips arbitrary payloads under arbitrary chunkings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 25 }), (payloads, cuts) => {
        const r = recorder();
        r.feed(cutAt(Buffer.concat(payloads.map(encodeFrame)), cuts));
        assert.deepEqual(r.frames, payloads.map((p) => Buffer.from(p)));
        assert.deepEqual(r.errors, []);
        assert.equal(r.decoder.bufferedBytes, 0);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });
});

describe('frame encoding', () => {
  it('writes a 4-byte big-endian length header', () => {
    assert.deepEqual(encodeFrameHeader(0), Buffer.from([0, 0, 0, 0]));
    assert.deepEqual(encodeFrameHeader(0x01020304), Buffer.from([1, 2, 3, 4]));
    assert.deepEqual(encodeFrameHeader(0xffff_ffff), Buffer.from([0xff, 0xff, 0xff, 0xff]));
  });

  it('encodeFrame is header + payload, for Buffers and Uint8Arrays', () => {
    assert.deepEqual(encodeFrame(Buffer.from('hi')), Buffer.from([0, 0, 0, 2, 0x68, 0x69]));
    assert.deepEqual(encodeFrame(new Uint8Array([9])), Buffer.from([0, 0, 0, 1, 9]));
  });

  it('rejects lengths a u32 cannot carry', () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
      assert.throws(() => encodeFrameHeader(bad), (err: unknown) => isSidewireError(err, 'ERR_INVALID_ARGUMENT'));
    }
  });
});

describe('parsePreface', () => {
  it('BINARY_PREFACE is \\0SW + version 1', () => {
    assert.equal(BINARY_VERSION, 1);
    assert.deepEqual(BINARY_PREFACE, Buffer.from([0x00, 0x53, 0x57, 0x01]));
  });

  it('accepts the preface and returns what follows it', () => {
    const result = parsePreface(Buffer.concat([BINARY_PREFACE, encodeFrame(Buffer.from('x'))]));
    assert.equal(result.ok, true);
    if (result.ok !== true) return;
    assert.equal(result.version, 1);
    assert.deepEqual(result.rest, encodeFrame(Buffer.from('x')));
    const bare = parsePreface(BINARY_PREFACE);
    assert.ok(bare.ok === true && bare.rest.length === 0);
  });

  it('asks for more bytes on a valid partial preface', () => {
    for (let n = 0; n < 4; n++) assert.deepEqual(parsePreface(BINARY_PREFACE.subarray(0, n)), { ok: 'need-more' });
  });

  it('rejects wrong magic bytes as soon as they are seen', () => {
    for (const bytes of [[0x01], [0x00, 0x54], [0x00, 0x53, 0x00], [0x00, 0x53, 0x57 + 1, 0x01]]) {
      const result = parsePreface(Buffer.from(bytes));
      assert.equal(result.ok, false, JSON.stringify(bytes));
      assert.ok(result.ok === false && /not a sidewire binary preface/.test(result.reason));
    }
  });

  it('rejects an unsupported version, naming it', () => {
    const result = parsePreface(Buffer.from([0x00, 0x53, 0x57, 0x02]));
    assert.ok(result.ok === false && /version 2/.test(result.reason), JSON.stringify(result));
  });
});
