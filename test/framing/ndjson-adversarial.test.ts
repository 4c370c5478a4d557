/**
 * Hostile input for the two stream decoders (docs/protocol.md, "Errors, limits and closing"):
 * NDJSON lines longer than maxMessageBytes, with or without their `\n`, cut anywhere; and binary
 * frame headers that announce more than maxFrameBytes. The decoders must refuse from what they
 * have seen so far, before buffering past the limit, never throw, and keep memory bounded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { MiB, gc, used } from '../helpers/memory.js';
import { NdjsonDecoder } from '../../src/framing/ndjson.js';
import { LengthPrefixDecoder, encodeFrame, encodeFrameHeader } from '../../src/framing/length-prefix.js';
import { cutAt } from './chunking.js';

const LF = 0x0a;
const CR = 0x0d;

type Event = { m: unknown } | { e: string };

/** What the NDJSON rules (ndjson.ts) make of one complete line (without its `\n`), at `max`. */
function lineEvents(raw: Buffer, max: number): Event[] {
  const line = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, -1) : raw;
  if (line.length > max) return [{ e: 'too-large' }];
  if (line.every((b) => b === 0x20 || b === 0x09 || b === CR)) return [];
  if (!isUtf8(line)) return [{ e: 'encoding' }];
  try {
    return [{ m: JSON.parse(line.toString('utf8')) as unknown }];
  } catch {
    return [{ e: 'parse' }];
  }
}

/**
 * Everything the decoder must have reported once `prefix` of the stream arrived: the events of its
 * complete lines, and `too-large` for the incomplete last one as soon as it is over the limit (a
 * final `\r` one byte past it may still be a line ending).
 */
function expectedAfter(prefix: Buffer, max: number): Event[] {
  const out: Event[] = [];
  let from = 0;
  for (let nl = prefix.indexOf(LF); nl !== -1; nl = prefix.indexOf(LF, from)) {
    out.push(...lineEvents(prefix.subarray(from, nl), max));
    from = nl + 1;
  }
  const held = prefix.length - from;
  if (held > max + 1 || (held === max + 1 && prefix[prefix.length - 1] !== CR)) out.push({ e: 'too-large' });
  return out;
}

/** Lines around the limit, hostile and not, each with `\n`, `\r\n` or (last one only) nothing. */
function ndjsonStream(max: number): fc.Arbitrary<Buffer> {
  const near = fc.integer({ min: -2, max: 2 }).map((d) => Buffer.alloc(Math.max(0, max + d), 0x78));
  const line = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v), 'utf8')),
    near,
    near.map((b) => Buffer.concat([b, Buffer.from([CR])])),
    fc.integer({ min: max, max: 4 * max + 10 }).map((n) => Buffer.alloc(n, 0x20)), // blank, oversized
    fc.uint8Array({ maxLength: 3 * max + 10 }).map((u) => Buffer.from(u.filter((b) => b !== LF))),
    fc.constantFrom(Buffer.from(' \t\r'), Buffer.from('{"a":'), Buffer.from([0xff, 0xfe])),
  );
  const ending = fc.constantFrom(Buffer.from('\n'), Buffer.from('\r\n'));
  return fc
    .tuple(fc.array(fc.tuple(line, ending), { maxLength: 12 }), fc.option(line, { nil: undefined }))
    .map(([lines, last]) => Buffer.concat([...lines.flat(), ...(last === undefined ? [] : [last])]));
}

describe('NdjsonDecoder under hostile input', () => {
  it('after every chunk, has reported exactly what the bytes so far call for, and holds at most maxMessageBytes + 1 (property)', () => {
    const scenario = fc.integer({ min: 1, max: 200 }).chain((max) => fc.tuple(fc.constant(max), ndjsonStream(max), fc.array(fc.nat(), { maxLength: 30 })));
    fc.assert(
      fc.property(scenario, ([max, stream, cuts]) => {
        const events: Event[] = [];
        const decoder = new NdjsonDecoder({ maxMessageBytes: max, onMessage: (m) => events.push({ m }), onError: (e) => events.push({ e: e.kind }) });
        let seen = 0;
        for (const chunk of cutAt(stream, cuts)) {
          decoder.push(chunk);
          seen += chunk.length;
          assert.ok(decoder.bufferedBytes <= max + 1, `holds ${decoder.bufferedBytes} bytes, limit ${max}`);
          assert.deepEqual(events, expectedAfter(stream.subarray(0, seen), max), `after ${seen} of ${stream.length} bytes`);
        }
        decoder.end();
        assert.equal(decoder.bufferedBytes, 0);
        const last = stream.lastIndexOf(LF) + 1;
        const tail = stream.subarray(last);
        const tailReported = expectedAfter(stream, max).length > expectedAfter(stream.subarray(0, last), max).length;
        const expected = [...expectedAfter(stream.subarray(0, last), max), ...(tailReported ? [{ e: 'too-large' }] : tail.length > 0 ? lineEvents(tail, max) : [])];
        assert.deepEqual(events, expected, 'after end()');
      }),
      { seed: 20261203, numRuns: 1500 },
    );
  });

  it('a 64 MiB line without a newline, over a 1 MiB limit: reported once, then skipped without being held', () => {
    const errors: string[] = [];
    const messages: unknown[] = [];
    const decoder = new NdjsonDecoder({ maxMessageBytes: MiB, onMessage: (m) => messages.push(m), onError: (e) => errors.push(e.kind) });
    gc();
    const before = used();
    let peak = 0;
    for (let i = 0; i < 1024; i++) {
      decoder.push(Buffer.alloc(64 * 1024, 0x61)); // a fresh chunk each time: the decoder may keep it
      if (i % 64 === 63) {
        gc();
        peak = Math.max(peak, used() - before);
      }
      assert.ok(decoder.bufferedBytes <= MiB + 1);
    }
    assert.deepEqual(errors, ['too-large']);
    // Held, the line would be 64 MiB; the slack is for freed ArrayBuffers V8 has not subtracted yet.
    assert.ok(peak < 16 * MiB, `held ${peak} bytes (heap + ArrayBuffers) while skipping`);
    decoder.push(Buffer.from('\n{"after":1}\n'));
    assert.deepEqual(errors, ['too-large'], 'nothing more for the same line');
    assert.deepEqual(messages, [{ after: 1 }], 'the next line is decoded');
  });

  it('many tiny lines cut into 1-byte chunks: every one decoded, nothing held in between', () => {
    const count = 20_000;
    let n = 0;
    const decoder = new NdjsonDecoder({ maxMessageBytes: 16, onMessage: () => n++, onError: (e) => assert.fail(e.message) });
    const stream = Buffer.from('1\n'.repeat(count));
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1));
      assert.ok(decoder.bufferedBytes <= 1);
    }
    assert.equal(n, count);
  });

  it('regression: a line pushed 1 byte per chunk no longer holds ~100 bytes of heap per byte', () => {
    const max = 256 * 1024;
    const decoder = new NdjsonDecoder({ maxMessageBytes: max, onMessage: () => undefined, onError: () => undefined });
    const source = Buffer.alloc(max, 0x61);
    gc();
    const before = used();
    for (let i = 0; i < max; i++) decoder.push(source.subarray(i, i + 1)); // views: the test allocates no bytes
    gc();
    const held = used() - before;
    assert.equal(decoder.bufferedBytes, max);
    assert.ok(held < 8 * max, `${held} bytes of heap + ArrayBuffers hold a ${max}-byte line (${(held / max).toFixed(0)} per byte)`);
  });
});

describe('LengthPrefixDecoder under lying length headers', () => {
  it('a header over maxFrameBytes is refused from the header alone, whatever follows and however it is cut (property)', () => {
    const scenario = fc.integer({ min: 1, max: 64 * 1024 }).chain((max) =>
      fc.tuple(
        fc.constant(max),
        fc.array(fc.integer({ min: 0, max: Math.min(max, 2000) }), { maxLength: 5 }), // honest frames first
        fc.oneof(fc.integer({ min: max + 1, max: 0xffff_ffff }), fc.constantFrom(max + 1, 0x7fff_ffff, 0xffff_fffe, 0xffff_ffff)),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 20 }),
      ),
    );
    fc.assert(
      fc.property(scenario, ([max, sizes, declared, junk, cuts]) => {
        const payloads = sizes.map((n, i) => Buffer.alloc(n, i + 1));
        const stream = Buffer.concat([...payloads.map((p) => encodeFrame(p)), encodeFrameHeader(declared), Buffer.from(junk), encodeFrame(Buffer.from('after'))]);
        const frames: Buffer[] = [];
        const errors: Array<{ kind: string; bytes: number | undefined }> = [];
        const decoder = new LengthPrefixDecoder({ maxFrameBytes: max, onFrame: (p) => frames.push(Buffer.from(p)), onError: (e) => errors.push({ kind: e.kind, bytes: e.bytes }) });
        const before = process.memoryUsage().arrayBuffers;
        for (const chunk of cutAt(stream, cuts)) {
          decoder.push(chunk);
          assert.ok(decoder.bufferedBytes <= max + 4, `holds ${decoder.bufferedBytes} bytes, limit ${max}`);
        }
        const grew = process.memoryUsage().arrayBuffers - before;
        assert.deepEqual(frames, payloads, 'the honest frames before it, then nothing');
        assert.deepEqual(errors, [{ kind: 'too-large', bytes: declared }]);
        assert.equal(decoder.bufferedBytes, 0);
        assert.ok(grew < 2 * MiB, `ArrayBuffers grew by ${grew} bytes`);
        decoder.push(encodeFrame(Buffer.from('more')));
        assert.equal(frames.length, payloads.length, 'stopped: later input is ignored');
      }),
      { seed: 20261204, numRuns: 1000 },
    );
  });

  it('a 4 GiB header after a 1-byte chunk of it: nothing of that size is allocated', () => {
    const errors: string[] = [];
    const decoder = new LengthPrefixDecoder({ onFrame: () => assert.fail('no frame'), onError: (e) => errors.push(e.kind) });
    gc();
    const before = used();
    for (const b of [0xff, 0xff, 0xff, 0xfe, 1, 2, 3]) decoder.push(Buffer.from([b]));
    assert.deepEqual(errors, ['too-large']);
    assert.ok(used() - before < MiB);
  });
});
