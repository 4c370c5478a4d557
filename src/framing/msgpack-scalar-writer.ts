/**
 * The byte-level half of the MessagePack encoder (msgpack-encoder.ts): the growable output Buffer
 * and the scalars, strings and numbers, written with the smallest header as @msgpack/msgpack does.
 * `MsgpackEncoder` extends it with maps, arrays, binary values and the JSON-RPC envelope.
 */
import type { ConstantBytes } from './msgpack-envelope.js';

/** Strings up to this many UTF-16 units are written by a JavaScript loop when all ASCII. */
const SHORT_STRING = 48;
/** Longer strings are measured (Buffer.byteLength) before they are written, not over-reserved 3×. */
const LONG_STRING = 4096;

/** The output Buffer and the scalar writers of `MsgpackEncoder`. Not re-entrant. */
export class MsgpackScalarWriter {
  /** The Buffer being written (replaced by a bigger one when the value does not fit). */
  buf: Buffer = Buffer.alloc(0);
  /** Next byte to write. */
  pos = 0;
  /** Start of the value being encoded: bytes before it are not moved when the Buffer grows. */
  base = 0;
  /** Offsets in `buf` where a zero-copy value's bytes go (right after its header), in order. */
  holeAt: number[] = [];
  /** The zero-copy values, parallel to `holeAt`. */
  holeValue: Buffer[] = [];
  /** Bytes of the zero-copy values. */
  holeBytes = 0;
  /** Binary values at least this big become holes (Infinity: always copied). */
  zeroCopyMinBytes = Infinity;
  /** Smallest Buffer allocated when growing. */
  minGrowBytes = 4096;

  /** Starts a value at `pos` of `buf` (which may be replaced by a bigger copy while encoding). */
  begin(buf: Buffer, pos: number): void {
    this.buf = buf;
    this.pos = pos;
    this.base = pos;
    if (this.holeAt.length > 0) {
      this.holeAt = [];
      this.holeValue = [];
    }
    this.holeBytes = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /**
   * Moves the value written so far (from `base`) to the start of a new Buffer with room for `n`
   * more bytes and at least double the size; the old Buffer's bytes before `base` stay where they are.
   */
  protected grow(n: number): void {
    const used = this.pos - this.base;
    const next = Buffer.allocUnsafe(Math.max(this.minGrowBytes, 2 * (used + n)));
    this.buf.copy(next, 0, this.base, this.pos);
    const shift = this.base;
    for (let i = 0; i < this.holeAt.length; i++) this.holeAt[i]! -= shift;
    this.buf = next;
    this.pos = used;
    this.base = 0;
  }

  /** A string as fixstr / str 8 / 16 / 32 of its UTF-8 bytes. */
  writeString(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      this.ensure(2 + n);
      const buf = this.buf;
      const head = this.pos;
      let p = head + (n < 32 ? 1 : 2);
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) return this.writeLongString(s);
        buf[p++] = c;
      }
      if (n < 32) {
        buf[head] = 0xa0 | n;
      } else {
        buf[head] = 0xd9;
        buf[head + 1] = n;
      }
      this.pos = p;
      return;
    }
    this.writeLongString(s);
  }

  /** Writes pre-encoded bytes (a few), a word at a time. */
  protected writeConstant(c: ConstantBytes): void {
    const n = c.bytes.length;
    this.ensure(n);
    const buf = this.buf;
    const p = this.pos;
    const words = c.words;
    const whole = words.length;
    for (let i = 0; i < whole; i++) putU32(buf, p + 4 * i, words[i]!);
    const bytes = c.bytes;
    for (let i = 4 * whole; i < n; i++) buf[p + i] = bytes[i]!;
    this.pos = p + n;
  }

  /**
   * Any string. Up to LONG_STRING units: written by Buffer#write after a header sized for its
   * length, moved when its UTF-8 bytes need a bigger header; longer: measured first.
   */
  protected writeLongString(s: string): void {
    if (s.length > LONG_STRING) {
      const bytes = Buffer.byteLength(s);
      this.ensure(5 + bytes);
      const at = this.writeStringHeader(bytes);
      this.pos = at + this.buf.write(s, at);
      return;
    }
    this.ensure(5 + 3 * s.length);
    const guess = headerSize(s.length);
    const at = this.pos + guess;
    const bytes = this.buf.write(s, at);
    const size = headerSize(bytes);
    if (size !== guess) this.buf.copy(this.buf, this.pos + size, at, at + bytes);
    this.pos = this.writeStringHeader(bytes) + bytes;
  }

  /** Writes a str header at `pos` (room already ensured); returns where the bytes go. */
  protected writeStringHeader(bytes: number): number {
    const buf = this.buf;
    const p = this.pos;
    if (bytes < 32) {
      buf[p] = 0xa0 | bytes;
      return p + 1;
    }
    if (bytes < 0x100) {
      buf[p] = 0xd9;
      buf[p + 1] = bytes;
      return p + 2;
    }
    if (bytes < 0x10000) {
      buf[p] = 0xda;
      buf.writeUInt16BE(bytes, p + 1);
      return p + 3;
    }
    if (bytes > 0xffff_ffff) throw new Error(`Too long string: ${bytes} bytes in UTF-8`);
    buf[p] = 0xdb;
    buf.writeUInt32BE(bytes, p + 1);
    return p + 5;
  }

  /** A number as the smallest integer type that holds it, else float 64 (as the library does). */
  writeNumber(v: number): void {
    this.ensure(9);
    const buf = this.buf;
    const p = this.pos;
    if (!Number.isSafeInteger(v)) {
      buf[p] = 0xcb;
      buf.writeDoubleBE(v, p + 1);
      this.pos = p + 9;
    } else if (v >= 0) {
      if (v < 0x80) {
        buf[p] = v;
        this.pos = p + 1;
      } else if (v < 0x100) {
        buf[p] = 0xcc;
        buf[p + 1] = v;
        this.pos = p + 2;
      } else if (v < 0x10000) {
        buf[p] = 0xcd;
        buf[p + 1] = v >>> 8;
        buf[p + 2] = v;
        this.pos = p + 3;
      } else if (v < 0x1_0000_0000) {
        buf[p] = 0xce;
        putU32(buf, p + 1, v);
        this.pos = p + 5;
      } else {
        buf[p] = 0xcf;
        buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000), p + 1);
        buf.writeUInt32BE(v >>> 0, p + 5);
        this.pos = p + 9;
      }
    } else if (v >= -0x20) {
      buf[p] = 0xe0 | (v + 0x20);
      this.pos = p + 1;
    } else if (v >= -0x80) {
      buf[p] = 0xd0;
      buf.writeInt8(v, p + 1);
      this.pos = p + 2;
    } else if (v >= -0x8000) {
      buf[p] = 0xd1;
      buf.writeInt16BE(v, p + 1);
      this.pos = p + 3;
    } else if (v >= -0x8000_0000) {
      buf[p] = 0xd2;
      buf.writeInt32BE(v, p + 1);
      this.pos = p + 5;
    } else {
      buf[p] = 0xd3;
      buf.writeInt32BE(Math.floor(v / 0x1_0000_0000), p + 1);
      buf.writeUInt32BE(v >>> 0, p + 5);
      this.pos = p + 9;
    }
  }
}

/** Writes `v` (0 to 2^32 - 1, or a signed 32-bit word) as 4 big-endian bytes (no range checks, unlike Buffer#writeUInt32BE). */
export function putU32(buf: Buffer, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

/** Header bytes of a str of `length` bytes. */
function headerSize(length: number): number {
  return length < 32 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}
