/**
 * A hand-written MessagePack decoder for what JSON-RPC messages hold (maps with string keys,
 * arrays, strings, numbers, booleans, nil, bin), reading a frame in place (`buf` from `start` to
 * `end`, no slice). It returns what @msgpack/msgpack's default `Decoder` returns for the same
 * bytes (bin as a Buffer view of `buf`, 64-bit integers as numbers, maps as plain objects), and
 * gives up — `NEEDS_LIBRARY` from `tryDecode` — on everything else: extension types (Dates), keys
 * that are not strings, a `__proto__` key, nesting at the depth limit, truncated or malformed
 * input, trailing bytes. The caller then checks the frame (msgpack-bounds.ts) and decodes it with
 * @msgpack/msgpack, which decides (and words the error).
 *
 * Declared lengths: an array or map is allocated only when its elements can fit in the bytes left,
 * and when all the arrays and maps of the frame so far declare no more elements than the frame has
 * bytes (each element is a value of at least one byte). One compare each, per container, not per
 * value; without the second, nested arrays each claiming about the bytes left would allocate that
 * many slots per level (docs/protocol.md, "Errors, limits and closing").
 */
import { bufferView } from './buffer-view.js';
import { MAX_DECODE_DEPTH } from './msgpack-bounds.js';
import { type ConstantBytes, JSONRPC_2_0, KEY_ID, KEY_METHOD, KEY_PARAMS, KEY_RESULT, KEY_ERROR } from './msgpack-envelope.js';

/**
 * Containers this deep (0: the top value) are left to the checked library path: their elements
 * would be nested deeper than MAX_DECODE_DEPTH levels (refused there), or they are empty (decoded).
 */
const MAX_DEPTH = MAX_DECODE_DEPTH - 1;
/** Keys and short string values up to this many bytes are looked up in small caches. */
const CACHED_BYTES = 16;
/** Strings up to this many bytes are built in JavaScript (above, Buffer#toString is faster). */
const SHORT_CONCAT = 6;
/** Sets (of 2 entries) of each string cache (a power of 2). */
const CACHE_SETS = 128;

/** Thrown (never escapes) when the fast path gives up. */
const GIVE_UP: unique symbol = Symbol('give up');

/**
 * Short ASCII strings already decoded: a 2-way set-associative table indexed by a hash of the
 * bytes. Map keys and common values ("2.0", method names) then cost a hash and a compare instead
 * of creating a string each time (a C++ call of ~50 ns, or a cons string).
 */
class StringCache {
  private readonly strings: Array<string | undefined> = new Array<string | undefined>(2 * CACHE_SETS).fill(undefined);
  /** Per set, the way to replace next. */
  private readonly victim = new Uint8Array(CACHE_SETS);

  constructor(seed: readonly string[]) {
    for (const s of seed) {
      const b = Buffer.from(s, 'latin1');
      this.put(hashOf(b, 0, b.length), s);
    }
  }

  /** The string of `src[at, at + n)` (1 <= n <= CACHED_BYTES). */
  get(src: Buffer, at: number, n: number): string {
    const h = hashOf(src, at, n);
    const way0 = 2 * h;
    const s0 = this.strings[way0];
    if (s0 !== undefined && same(s0, src, at, n)) return s0;
    const s1 = this.strings[way0 + 1];
    if (s1 !== undefined && same(s1, src, at, n)) return s1;
    let s = '';
    if (n <= SHORT_CONCAT) {
      for (let j = 0; j < n; j++) {
        const c = src[at + j]!;
        if (c >= 0x80) return src.toString('utf8', at, at + n);
        s += String.fromCharCode(c);
      }
    } else {
      s = src.toString('utf8', at, at + n);
      if (s.length !== n) return s; // not ASCII: not cached (the compare assumes one byte per unit)
    }
    return this.put(h, s);
  }

  private put(h: number, s: string): string {
    this.strings[2 * h + this.victim[h]!] = s;
    this.victim[h] ^= 1;
    return s;
  }
}

/** The set of `src[at, at + n)` in a StringCache. */
function hashOf(src: Buffer, at: number, n: number): number {
  let h = n;
  for (let j = 0; j < n; j++) h = Math.imul(h ^ src[at + j]!, 0x9e3779b1);
  return (h ^ (h >>> 15)) & (CACHE_SETS - 1);
}

/** True when the ASCII string `s` is the bytes `src[at, at + n)`. */
function same(s: string, src: Buffer, at: number, n: number): boolean {
  if (s.length !== n) return false;
  for (let j = 0; j < n; j++) if (s.charCodeAt(j) !== src[at + j]) return false;
  return true;
}

const keyCache = new StringCache(['jsonrpc', 'id', 'method', 'params', 'result', 'error', 'code', 'message', 'data']);
const valueCache = new StringCache(['2.0']);

/** What `tryDecode` returns when the bytes need @msgpack/msgpack. */
export const NEEDS_LIBRARY: unique symbol = Symbol('needs @msgpack/msgpack');

const EMPTY = Buffer.alloc(0);
// The decoder's state, read and written by every function below: `var`, not `let`, on purpose.
// A module-level `let` read from a function costs a temporal-dead-zone check on every access
// (V8 cannot prove it initialized); `var` has none. tryDecode of a notification: ~12 % faster.
var buf: Buffer = EMPTY; // eslint-disable-line no-var
var pos = 0; // eslint-disable-line no-var
var end = 0; // eslint-disable-line no-var
/** Elements the frame's arrays and maps may still declare (see the file comment). */
var budget = 0; // eslint-disable-line no-var

/**
 * Decodes the one MessagePack value in `source[start, stop)`, or returns `NEEDS_LIBRARY` when the
 * bytes need @msgpack/msgpack (see the file comment). Never throws.
 */
export function tryDecode(source: Buffer, start: number, stop: number): unknown {
  buf = source;
  pos = start;
  end = stop;
  budget = stop - start;
  try {
    const value = readMessage() ?? read(0);
    return pos === end ? value : NEEDS_LIBRARY;
  } catch {
    return NEEDS_LIBRARY; // GIVE_UP, or e.g. a stack overflow: the library decides and words it
  } finally {
    buf = EMPTY;
  }
}

function need(n: number): void {
  if (pos + n > end) throw GIVE_UP;
}

function read(depth: number): unknown {
  need(1);
  const b = buf[pos++]!;
  if (b < 0x80) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b >= 0xa0 && b < 0xc0) return readString(b - 0xa0, false);
  if (b < 0x90) return readMap(b - 0x80, depth);
  if (b < 0xa0) return readArray(b - 0x90, depth);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBinary(readLength(1));
    case 0xc5:
      return readBinary(readLength(2));
    case 0xc6:
      return readBinary(readLength(4));
    case 0xca:
      need(4);
      pos += 4;
      return buf.readFloatBE(pos - 4);
    case 0xcb:
      need(8);
      pos += 8;
      return buf.readDoubleBE(pos - 8);
    case 0xcc:
      return readLength(1);
    case 0xcd:
      return readLength(2);
    case 0xce:
      return readLength(4);
    case 0xcf:
      need(8);
      pos += 8;
      return buf.readUInt32BE(pos - 8) * 0x1_0000_0000 + buf.readUInt32BE(pos - 4);
    case 0xd0:
      need(1);
      return buf.readInt8(pos++);
    case 0xd1:
      need(2);
      pos += 2;
      return buf.readInt16BE(pos - 2);
    case 0xd2:
      need(4);
      pos += 4;
      return buf.readInt32BE(pos - 4);
    case 0xd3:
      need(8);
      pos += 8;
      return buf.readInt32BE(pos - 8) * 0x1_0000_0000 + buf.readUInt32BE(pos - 4);
    case 0xd9:
      return readString(readLength(1), false);
    case 0xda:
      return readString(readLength(2), false);
    case 0xdb:
      return readString(readLength(4), false);
    case 0xdc:
      return readArray(readLength(2), depth);
    case 0xdd:
      return readArray(readLength(4), depth);
    case 0xde:
      return readMap(readLength(2), depth);
    case 0xdf:
      return readMap(readLength(4), depth);
    default:
      throw GIVE_UP; // extensions (0xc7–0xc9, 0xd4–0xd8: Dates...) and the unused 0xc1
  }
}

/** True (and moves past them) when the next bytes are `c`'s; compared a word at a time. */
function skip(c: ConstantBytes): boolean {
  const n = c.bytes.length;
  const b = buf;
  const p = pos;
  if (p + n > end) return false;
  const words = c.words;
  const whole = words.length;
  for (let i = 0; i < whole; i++) {
    const q = p + 4 * i;
    if (((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) !== words[i]) return false;
  }
  const bytes = c.bytes;
  for (let i = 4 * whole; i < n; i++) if (b[p + i] !== bytes[i]) return false;
  pos = p + n;
  return true;
}

/**
 * The four message shapes sidewire sends (notification, request, result, error), recognised
 * from their key bytes, so the keys are neither hashed nor looked up: `undefined` (nothing read)
 * when the bytes are any other value, which `read` then decodes the general way. The objects are
 * the ones `readEnvelope` builds.
 */
function readMessage(): Record<string, unknown> | undefined {
  const start = pos;
  const head = buf[pos];
  if ((head !== 0x83 && head !== 0x84) || end - pos < 20) return undefined;
  pos++;
  if (!skip(JSONRPC_2_0)) {
    pos = start;
    return undefined;
  }
  if (head === 0x83 && skip(KEY_METHOD)) {
    const method = read(1);
    if (skip(KEY_PARAMS)) return { jsonrpc: '2.0', method, params: read(1) };
  } else if (skip(KEY_ID)) {
    const id = read(1);
    if (head === 0x84) {
      if (skip(KEY_METHOD)) {
        const method = read(1);
        if (skip(KEY_PARAMS)) return { jsonrpc: '2.0', id, method, params: read(1) };
      }
    } else if (skip(KEY_RESULT)) {
      return { jsonrpc: '2.0', id, result: read(1) };
    } else if (skip(KEY_ERROR)) {
      return { jsonrpc: '2.0', id, error: read(1) };
    }
  }
  pos = start;
  return undefined;
}

/** An unsigned big-endian integer of `bytes` bytes. */
function readLength(bytes: 1 | 2 | 4): number {
  need(bytes);
  const at = pos;
  pos += bytes;
  return bytes === 1 ? buf[at]! : bytes === 2 ? buf.readUInt16BE(at) : buf.readUInt32BE(at);
}

function readString(n: number, key: boolean): string {
  need(n);
  const at = pos;
  pos += n;
  if (n <= CACHED_BYTES && n > 0) return (key ? keyCache : valueCache).get(buf, at, n);
  return buf.toString('utf8', at, at + n);
}

function readBinary(n: number): Buffer {
  need(n);
  pos += n;
  return bufferView(buf, pos - n, pos);
}

function readArray(n: number, depth: number): unknown[] {
  if (depth >= MAX_DEPTH || n > end - pos || (budget -= n) < 0) throw GIVE_UP; // every item takes at least one byte
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = read(depth + 1);
  return out;
}

function readMap(n: number, depth: number): Record<string, unknown> {
  if (depth >= MAX_DEPTH || 2 * n > end - pos || (budget -= 2 * n) < 0) throw GIVE_UP;
  if (depth === 0 && (n === 3 || n === 4)) return readEnvelope(n);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = readKey();
    if (k === '__proto__') throw GIVE_UP; // the library refuses it, with its message
    out[k] = read(depth + 1);
  }
  return out;
}

/**
 * A top-level map of 3 or 4 entries: the common JSON-RPC shapes (keys in the order sidewire and
 * most peers write them) are built as object literals, which V8 creates much faster than an
 * object grown key by key; any other map is built like `readMap` does.
 */
function readEnvelope(n: 3 | 4): Record<string, unknown> {
  const k0 = readKey();
  const v0 = read(1);
  const k1 = readKey();
  const v1 = read(1);
  const k2 = readKey();
  const v2 = read(1);
  if (n === 3) {
    if (k0 === 'jsonrpc' && k1 === 'id') {
      if (k2 === 'result') return { jsonrpc: v0, id: v1, result: v2 };
      if (k2 === 'error') return { jsonrpc: v0, id: v1, error: v2 };
      if (k2 === 'method') return { jsonrpc: v0, id: v1, method: v2 };
    } else if (k0 === 'jsonrpc' && k1 === 'method' && k2 === 'params') {
      return { jsonrpc: v0, method: v1, params: v2 };
    }
    return assemble([k0, k1, k2], [v0, v1, v2]);
  }
  const k3 = readKey();
  const v3 = read(1);
  if (k0 === 'jsonrpc' && k1 === 'id' && k2 === 'method' && k3 === 'params') return { jsonrpc: v0, id: v1, method: v2, params: v3 };
  return assemble([k0, k1, k2, k3], [v0, v1, v2, v3]);
}

function assemble(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === '__proto__') throw GIVE_UP;
    out[keys[i]!] = values[i];
  }
  return out;
}

/** A map key: fixstr or str 8 / 16 / 32 (the library also takes numbers: left to it). */
function readKey(): string {
  need(1);
  const b = buf[pos]!;
  if (b >= 0xa0 && b < 0xc0) {
    pos++;
    return readString(b - 0xa0, true);
  }
  pos++;
  if (b === 0xd9) return readString(readLength(1), true);
  if (b === 0xda) return readString(readLength(2), true);
  if (b === 0xdb) return readString(readLength(4), true);
  throw GIVE_UP;
}
