/**
 * MessagePack frames whose headers lie about lengths and nesting (docs/protocol.md, "Errors,
 * limits and closing"): every decoder path (the hand-written one, the bounds check, the library)
 * refuses them as parse errors before allocating what they declare, never throws, and answers
 * quickly with bounded memory.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { MiB, gc, used } from '../helpers/memory.js';
import { Decoder, ExtensionCodec } from '@msgpack/msgpack';
import { decodeMsgpack, encodeMsgpack } from '../../src/framing/msgpack.js';
import { MAX_DECODE_DEPTH } from '../../src/framing/msgpack-bounds.js';
import { NEEDS_LIBRARY, tryDecode } from '../../src/framing/msgpack-decoder.js';
import { HOSTILE_FRAMES, arrayHeaders40, nestedFittingContainers } from './hostile-frames.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
/** The library, refusing what sidewire refuses (docs/protocol.md "Keys and values"): non-string keys, extension types but -1. */
const libDecoder = new Decoder({
  mapKeyConverter: (key) => {
    if (typeof key !== 'string') throw new Error('key');
    return key;
  },
  extensionCodec: {
    tryToEncode: () => null,
    decode: (data, type) => {
      if (type !== -1) throw new Error('ext');
      return ExtensionCodec.defaultCodec.decode(data, type, undefined);
    },
  },
});
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** `decodeMsgpack(frame)`, with the time it took and how much heap + ArrayBuffer memory grew meanwhile (no GC in between). */
function measured(frame: Buffer): { result: ReturnType<typeof decodeMsgpack>; ms: number; grew: number } {
  const before = used();
  const t0 = process.hrtime.bigint();
  const result = decodeMsgpack(frame);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { result, ms, grew: used() - before };
}

type Verdict = 'overclaimed' | 'too-deep' | 'malformed' | 'complete';

/**
 * The rule, written independently of msgpack-bounds.ts (recursive, per value): when a length is
 * read, the bytes left must hold it plus one byte per value the enclosing containers still owe;
 * values nest at most MAX_DECODE_DEPTH levels. 'malformed': truncated or an unused type byte,
 * before any broken rule; 'complete': the top value is whole (trailing bytes may follow).
 */
function reference(frame: Buffer): Verdict {
  let pos = 0;
  let owed = 0;
  const len = (bytes: number): number => {
    if (frame.length - pos < bytes) throw 'malformed';
    pos += bytes;
    return bytes === 1 ? frame[pos - 1]! : bytes === 2 ? frame.readUInt16BE(pos - 2) : frame.readUInt32BE(pos - 4);
  };
  const payload = (n: number): void => {
    if (n > frame.length - pos - owed) throw 'overclaimed';
    pos += n;
  };
  const value = (level: number): void => {
    if (pos >= frame.length) throw 'malformed';
    const b = frame[pos++]!;
    let items = -1;
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b < 0x90) items = 2 * (b & 15);
    else if (b < 0xa0) items = b & 15;
    else if (b < 0xc0) return payload(b & 31);
    else if (b === 0xdc || b === 0xdd) items = len(b === 0xdc ? 2 : 4);
    else if (b === 0xde || b === 0xdf) items = 2 * len(b === 0xde ? 2 : 4);
    else if (b === 0xd9 || b === 0xc4) return payload(len(1));
    else if (b === 0xda || b === 0xc5) return payload(len(2));
    else if (b === 0xdb || b === 0xc6) return payload(len(4));
    else if (b >= 0xc7 && b <= 0xc9) {
      const n = len(1 << (b - 0xc7));
      len(1); // the type
      return payload(n);
    } else {
      const fixed: Record<number, number> = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 };
      if (fixed[b] === undefined || frame.length - pos < fixed[b]) throw 'malformed';
      pos += fixed[b];
      return;
    }
    if (items > frame.length - pos - owed) throw 'overclaimed';
    if (items > 0 && level + 1 > MAX_DECODE_DEPTH) throw 'too-deep';
    owed += items;
    for (let i = 0; i < items; i++) {
      owed--;
      value(level + 1);
    }
  };
  try {
    value(1);
    return 'complete';
  } catch (verdict) {
    return verdict as Verdict;
  }
}

/** Deep equality where a string may differ only because invalid UTF-8 became U+FFFD on one side. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b || a.includes('\ufffd');
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (a instanceof Date) return b instanceof Date && Object.is(a.getTime(), b.getTime());
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

/** A header of every kind that declares a length, with `n` cut to what its length field holds. */
const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const HEADERS: ReadonlyArray<(n: number) => number[]> = [
  (n) => [0x90 | (n & 15)], // fixarray
  (n) => [0x80 | (n & 15)], // fixmap
  (n) => [0xa0 | (n & 31)], // fixstr
  (n) => [0xdc, ...u16(n)], // array 16
  (n) => [0xdd, ...u32(n)], // array 32
  (n) => [0xde, ...u16(n)], // map 16
  (n) => [0xdf, ...u32(n)], // map 32
  (n) => [0xd9, n & 0xff], // str 8
  (n) => [0xda, ...u16(n)], // str 16
  (n) => [0xdb, ...u32(n)], // str 32
  (n) => [0xc4, n & 0xff], // bin 8
  (n) => [0xc5, ...u16(n)], // bin 16
  (n) => [0xc6, ...u32(n)], // bin 32
  (n) => [0xc7, n & 0xff, 0x05], // ext 8, type 5
  (n) => [0xc8, ...u16(n), 0xff], // ext 16, type -1 (timestamp)
  (n) => [0xc9, ...u32(n), 0x05], // ext 32
];
/** Claimed lengths: small ones (that often fit), the limits of each field, and 2^25 - 1 (the largest array V8 preallocates). */
const claimed = fc.oneof(
  fc.nat({ max: 40 }),
  fc.constantFrom(15, 16, 31, 255, 256, 0xffff, 0x1_0000, 0x01ff_ffff, 0x01ff_fffe, 0x0200_0000, 0x7fff_ffff, 0xffff_ffff),
  fc.nat({ max: 0xffff_ffff }),
);
const header = fc.tuple(fc.nat({ max: HEADERS.length - 1 }), claimed).map(([k, n]) => Buffer.from(HEADERS[k]!(n)));
const validValue = fc
  .oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.boolean(), fc.uint8Array({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 5 }))
  .map((v) => encodeMsgpack(v));
const deepArrays = fc.integer({ min: MAX_DECODE_DEPTH - 5, max: MAX_DECODE_DEPTH + 5 }).map((n) => Buffer.alloc(n, 0x91));
const segment = fc.oneof(
  { arbitrary: header, weight: 8 },
  { arbitrary: fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u)), weight: 4 },
  { arbitrary: validValue, weight: 4 },
  { arbitrary: deepArrays, weight: 1 },
);
const hostileFrame = fc.array(segment, { minLength: 1, maxLength: 40 }).map((parts) => Buffer.concat(parts)).filter((b) => b.length > 0);

describe('MessagePack decoding of hostile length headers', () => {
  it('regression: 200-byte frame of array headers no longer exhausts the heap', () => {
    // Decoded in a child capped at a 64 MiB heap, with the other hostile payloads: before the fix
    // the child died ("heap out of memory"); in this process it would have taken the runner down.
    assert.equal(arrayHeaders40().length, 200);
    const names = Object.keys(HOSTILE_FRAMES);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=64', path.join(here, 'msgpack-decode-child.ts'), ...names], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, `the child died (${child.signal ?? child.status}): ${child.stderr.split('\n').filter((l) => /\S/.test(l) && !/^\s*\d+: 0x/.test(l)).slice(0, 4).join(' / ')}`);
    const lines = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; ok: boolean; kind: string; message: string; ms: number; grewBytes: number });
    assert.deepEqual(lines.map((l) => l.name), names);
    for (const l of lines) {
      assert.equal(l.ok, false, l.name);
      assert.equal(l.kind, 'parse', l.name);
      assert.match(l.message, /cannot fit|deeper than/, l.name);
      assert.ok(l.ms < 5000, `${l.name}: ${l.ms} ms`);
      // nested-fitting-arrays-1MiB: its outer array alone (8 bytes a slot, 2^20 slots) fits in the frame, and is allocated.
      assert.ok(l.grewBytes < 16 * MiB, `${l.name}: heap + ArrayBuffers grew by ${l.grewBytes} bytes`);
    }
    assert.match(lines[0]!.message, /array of 33554431 elements at byte 0 cannot fit in the 195 bytes left/);
  });

  it('regression: one array header claiming 2^25 - 1 elements no longer allocates them before reading one', () => {
    gc();
    for (const name of ['one-array-header', 'map-headers-x40', 'str-bin-ext-headers']) {
      const { result, ms, grew } = measured(HOSTILE_FRAMES[name]!());
      assert.ok(!result.ok && result.error.kind === 'parse', name);
      assert.match(result.error.message, /cannot fit in the \d+ bytes left/, name);
      assert.ok(ms < 1000, `${name}: took ${ms} ms`);
      assert.ok(grew < 4 * MiB, `${name}: heap + ArrayBuffers grew by ${grew} bytes`);
    }
  });

  it('regression: nested arrays that each fit the bytes left no longer allocate a frame of slots per level on the fast path', () => {
    const frame = nestedFittingContainers(MiB, 60);
    gc();
    const before = used();
    assert.equal(tryDecode(frame, 0, frame.length), NEEDS_LIBRARY);
    const grew = used() - before;
    assert.ok(grew < 16 * MiB, `heap + ArrayBuffers grew by ${grew} bytes (one level of 2^20 slots is 8 MiB)`);
    const result = decodeMsgpack(frame);
    assert.ok(!result.ok && /array of 1048566 elements at byte 5 cannot fit in the 1048566 bytes left, which must also hold 1048570 more values/.test(result.error.message));
  });

  it('random length headers between random bytes: refused when they cannot fit, else what the library says; never throws, quick, bounded memory (property)', () => {
    gc();
    const start = used();
    let slowest = 0;
    fc.assert(
      fc.property(hostileFrame, (frame) => {
        const { result, ms, grew } = measured(frame);
        slowest = Math.max(slowest, ms);
        assert.ok(ms < 1000, `took ${ms} ms`);
        assert.ok(grew < 8 * MiB, `heap + ArrayBuffers grew by ${grew} bytes`);
        const verdict = reference(frame);
        if (verdict !== 'complete') {
          assert.equal(result.ok, false, verdict);
          assert.ok(!result.ok && result.error.kind === 'parse');
          if (verdict !== 'malformed') assert.match(result.error.message, verdict === 'too-deep' ? /deeper than 100 levels/ : /cannot fit/);
          return;
        }
        let expected: { ok: boolean; value?: unknown };
        try {
          expected = { ok: true, value: libDecoder.decode(frame) }; // every length fits: safe to ask the library
        } catch {
          expected = { ok: false };
        }
        assert.equal(result.ok, expected.ok, frame.toString('hex'));
        if (result.ok) assert.ok(same(result.value, expected.value), frame.toString('hex'));
      }),
      { seed: 20261203, numRuns: 4000 },
    );
    gc();
    const grew = used() - start;
    assert.ok(grew < 16 * MiB, `heap + ArrayBuffers grew by ${grew} bytes over the run (slowest decode ${slowest} ms)`);
  });

  it('nesting: what the encoder can send decodes, one level more is refused, on the fast and the library path', () => {
    const nested = (levels: number, leaf: unknown, kind: 'array' | 'map'): unknown => {
      let v = leaf;
      for (let i = 1; i < levels; i++) v = kind === 'array' ? [v] : { k: v };
      return v;
    };
    const bytes = (levels: number, leaf: Buffer, kind: 'array' | 'map'): Buffer =>
      Buffer.concat([...Array.from({ length: levels - 1 }, () => (kind === 'array' ? hex('91') : hex('81 a1 6b'))), leaf]);
    const encodes = (v: unknown): boolean => {
      try {
        encodeMsgpack(v);
        return true;
      } catch {
        return false;
      }
    };
    for (const kind of ['array', 'map'] as const) {
      for (const [leaf, leafBytes, fast] of [
        [1, hex('01'), true],
        [[], hex('90'), true],
        [new Date(1e12), encodeMsgpack(new Date(1e12)), false], // an extension: the library path
      ] as const) {
        for (const levels of [MAX_DECODE_DEPTH - 2, MAX_DECODE_DEPTH - 1, MAX_DECODE_DEPTH, MAX_DECODE_DEPTH + 1, MAX_DECODE_DEPTH + 2, 1000]) {
          const value = nested(levels, leaf, kind);
          const frame = bytes(levels, leafBytes, kind);
          const result = decodeMsgpack(frame);
          const what = `${kind} ${levels} levels, leaf ${leafBytes.toString('hex')}`;
          assert.equal(result.ok, levels <= MAX_DECODE_DEPTH, what);
          assert.equal(encodes(value), result.ok, `${what}: the encoder and decoder agree`);
          if (result.ok) {
            assert.deepEqual(result.value, value, what);
            assert.deepEqual(encodeMsgpack(value), frame, what);
            if (fast && levels < MAX_DECODE_DEPTH) assert.notEqual(tryDecode(frame, 0, frame.length), NEEDS_LIBRARY, `${what}: fast path`);
          } else {
            assert.match(result.error.message, /deeper than 100 levels/, what);
          }
        }
      }
    }
  });

  it('the tightest valid frames (one byte a value) still decode on the fast path: the length checks refuse nothing valid (property)', () => {
    const tiny = fc.constantFrom<unknown>(0, 1, -1, null, true, false, [], {});
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tiny,
        fc.array(tie('node'), { maxLength: 20 }),
        fc.array(tie('node'), { maxLength: 8 }).map((vs) => Object.fromEntries(vs.map((v, i) => [String.fromCharCode(97 + i), v]))),
      ),
    })).node;
    const flat = fc.nat({ max: 20_000 }).map((n) => new Array<number>(n).fill(0));
    fc.assert(
      fc.property(fc.oneof(tree, flat, fc.array(flat, { maxLength: 3 })), (value) => {
        const frame = encodeMsgpack(value);
        assert.deepEqual(tryDecode(frame, 0, frame.length), value);
        assert.deepEqual(decodeMsgpack(frame), { ok: true, value });
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
