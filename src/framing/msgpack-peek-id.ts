/**
 * The id of a binary frame that decoded to something the protocol refuses (a `__proto__` key, a
 * key that is not a string, an extension type other than the timestamp: docs/protocol.md "Keys and
 * values"): those are answered -32600 *with the request's id*, as JSON mode answers a `__proto__`
 * key (json-value.ts), so the caller gets its error at once instead of waiting for its timeout.
 *
 * `peekRequestId` reads the top-level map's `id` entry without decoding anything else: every other
 * key and value is skipped by its header. It never throws and allocates nothing but the id: any
 * surprise (not a map, truncated, an unused type byte, nesting deeper than the decoder allows, an
 * id that is not a string or number) gives null.
 */
import { MAX_DECODE_DEPTH } from './msgpack-bounds.js';

/** Thrown (never escapes) when the frame cannot be read. */
const STOP: unique symbol = Symbol('stop');

/** The `id` of the one request map in `buf[start, end)`, or null. */
export function peekRequestId(buf: Buffer, start: number, end: number): string | number | null {
  const reader = new Reader(buf, start, end);
  try {
    const n = reader.mapHeader();
    if (n === undefined) return null;
    for (let i = 0; i < n; i++) {
      if (reader.isIdKey()) return reader.idValue();
      reader.skip(0);
    }
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return null;
}

/**
 * True when `buf[start, end)` is exactly one well-formed MessagePack value (every length fits, no
 * unused type byte, nothing after it), whatever it holds: a refused key or extension type in a
 * frame that is also truncated is a parse error, not an `invalid` one.
 */
export function isWholeValue(buf: Buffer, start: number, end: number): boolean {
  const reader = new Reader(buf, start, end);
  try {
    reader.skip(0);
  } catch (err) {
    if (err !== STOP) throw err;
    return false;
  }
  return reader.atEnd;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  get atEnd(): boolean {
    return this.pos === this.end;
  }

  /** The entry count when the next value is a map, else undefined. */
  mapHeader(): number | undefined {
    const b = this.byte();
    if (b >= 0x80 && b <= 0x8f) return b - 0x80;
    if (b === 0xde) return this.uint(2);
    if (b === 0xdf) return this.uint(4);
    return undefined;
  }

  /** Reads the next key: true (consumed) when it is the string "id", else skips it and false. */
  isIdKey(): boolean {
    const b = this.buf[this.pos];
    if (b === 0xa2 && this.pos + 3 <= this.end && this.buf[this.pos + 1] === 0x69 && this.buf[this.pos + 2] === 0x64) {
      this.pos += 3;
      return true;
    }
    this.skip(0);
    return false;
  }

  /** The id value: a string, a number that fits, else null. */
  idValue(): string | number | null {
    const b = this.byte();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b <= 0xbf) return this.str(b - 0xa0);
    switch (b) {
      case 0xd9: return this.str(this.uint(1));
      case 0xda: return this.str(this.uint(2));
      case 0xdb: return this.str(this.uint(4));
      case 0xcc: return this.uint(1);
      case 0xcd: return this.uint(2);
      case 0xce: return this.uint(4);
      case 0xcf: return this.uint(4) * 2 ** 32 + this.uint(4);
      case 0xd0: return this.need(1).readInt8(this.pos - 1);
      case 0xd1: return this.need(2).readInt16BE(this.pos - 2);
      case 0xd2: return this.need(4).readInt32BE(this.pos - 4);
      case 0xd3: return Number(this.need(8).readBigInt64BE(this.pos - 8));
      case 0xca: return this.need(4).readFloatBE(this.pos - 4);
      case 0xcb: return this.need(8).readDoubleBE(this.pos - 8);
      default: return null;
    }
  }

  /** Skips one value (and everything in it). */
  skip(depth: number): void {
    if (depth >= MAX_DECODE_DEPTH) throw STOP;
    const b = this.byte();
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return; // fixint, nil, bool
    if (b >= 0xa0 && b <= 0xbf) return this.jump(b - 0xa0);
    if (b >= 0x90 && b <= 0x9f) return this.skipMany(b - 0x90, depth);
    if (b >= 0x80 && b <= 0x8f) return this.skipMany(2 * (b - 0x80), depth);
    switch (b) {
      case 0xc4: case 0xd9: return this.jump(this.uint(1));
      case 0xc5: case 0xda: return this.jump(this.uint(2));
      case 0xc6: case 0xdb: return this.jump(this.uint(4));
      case 0xc7: return this.jump(this.uint(1) + 1);
      case 0xc8: return this.jump(this.uint(2) + 1);
      case 0xc9: return this.jump(this.uint(4) + 1);
      case 0xcc: case 0xd0: return this.jump(1);
      case 0xcd: case 0xd1: return this.jump(2);
      case 0xca: case 0xce: case 0xd2: return this.jump(4);
      case 0xcb: case 0xcf: case 0xd3: return this.jump(8);
      case 0xd4: return this.jump(2);
      case 0xd5: return this.jump(3);
      case 0xd6: return this.jump(5);
      case 0xd7: return this.jump(9);
      case 0xd8: return this.jump(17);
      case 0xdc: return this.skipMany(this.uint(2), depth);
      case 0xdd: return this.skipMany(this.uint(4), depth);
      case 0xde: return this.skipMany(2 * this.uint(2), depth);
      case 0xdf: return this.skipMany(2 * this.uint(4), depth);
      default: throw STOP;
    }
  }

  private skipMany(n: number, depth: number): void {
    if (n > this.end - this.pos) throw STOP; // each value takes at least one byte
    for (let i = 0; i < n; i++) this.skip(depth + 1);
  }

  private byte(): number {
    if (this.pos >= this.end) throw STOP;
    return this.buf[this.pos++]!;
  }

  private uint(bytes: 1 | 2 | 4): number {
    this.need(bytes);
    return this.buf.readUIntBE(this.pos - bytes, bytes);
  }

  private str(n: number): string {
    this.need(n);
    return this.buf.toString('utf8', this.pos - n, this.pos);
  }

  /** Consumes `n` bytes (throws STOP when they are not there); returns the buffer to read them from. */
  private need(n: number): Buffer {
    if (n > this.end - this.pos) throw STOP;
    this.pos += n;
    return this.buf;
  }

  private jump(n: number): void {
    this.need(n);
  }
}
