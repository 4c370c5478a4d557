/**
 * A hand-written MessagePack encoder for the values JSON-RPC messages hold (plain objects, arrays,
 * strings, numbers, booleans, null, Buffers and other ArrayBuffer views). It writes the same bytes
 * as @msgpack/msgpack's `Encoder({ ignoreUndefined: true })` (the smallest header for every length
 * and integer, float 64 for non-integers, `undefined` left out of objects and nil in arrays), but
 * straight into a caller's Buffer at an offset, so a binary-mode writer encodes frames in place
 * in its outgoing batch: no scratch buffer, no copy, no allocation per message.
 *
 * Anything else (Dates, `ExtData`, BigInts, symbols, functions) is handed to @msgpack/msgpack for
 * that value, so extensions (the timestamp for Dates) and error messages stay exactly its own.
 *
 * Zero-copy: with `zeroCopyMinBytes` set, a binary value at least that big is not copied. Only its
 * `bin 32` header is written; the value is recorded as a hole (where it goes and the bytes, as a
 * Buffer view of the caller's memory) and the owner writes the frame as pieces around the holes.
 */
import { Encoder, ExtData } from '@msgpack/msgpack';
import { ConstantBytes, JSONRPC_2_0, KEY_ID, KEY_METHOD, KEY_PARAMS, KEY_RESULT } from './msgpack-envelope.js';
import { MsgpackScalarWriter, putU32 } from './msgpack-scalar-writer.js';

export { putU32 };

/** Nesting deeper than this is refused (the library's default, and what catches cycles). */
export const MAX_ENCODE_DEPTH = 100;

const fallback = new Encoder({ ignoreUndefined: true });
/** Called with `.call` inside for-in, which V8 optimizes to a map check. */
const hasOwnProperty = Object.prototype.hasOwnProperty;

/** Encodes into a growable Buffer; see the file comment. Not re-entrant. */
export class MsgpackEncoder extends MsgpackScalarWriter {
  /** Writes one value. @throws Error like @msgpack/msgpack for values it cannot encode */
  write(value: unknown, depth = 1): void {
    if (depth > MAX_ENCODE_DEPTH) throw new Error(`Too deep objects in depth ${depth}`);
    if (typeof value === 'string') {
      this.writeString(value);
    } else if (typeof value === 'number') {
      this.writeNumber(value);
    } else if (typeof value === 'object' && value !== null) {
      if (Object.getPrototypeOf(value) === Object.prototype) this.writeMap(value as Record<string, unknown>, depth);
      else if (value instanceof Uint8Array || ArrayBuffer.isView(value)) this.writeBinary(value);
      else if (Array.isArray(value)) this.writeArray(value, depth);
      else if (value instanceof Date || value instanceof ExtData) this.writeFallback(value); // the timestamp extension, or as is
      else this.writeMap(value as Record<string, unknown>, depth); // class instances, null-prototype objects: their own keys
    } else if (value === null || value === undefined) {
      this.ensure(1);
      this.buf[this.pos++] = 0xc0;
    } else if (typeof value === 'boolean') {
      this.ensure(1);
      this.buf[this.pos++] = value ? 0xc3 : 0xc2;
    } else {
      this.writeFallback(value); // bigint, symbol, function: the library's error
    }
  }

  /**
   * The request `{ jsonrpc: '2.0', id, method, params }`, or the notification without `id`, as
   * the map `write` would produce for that object (same keys, same order), from constants.
   */
  writeCall(id: number | undefined, method: string, params: unknown): void {
    if (id === undefined) {
      this.writeConstant(NOTIFICATION_HEAD);
    } else {
      this.writeConstant(REQUEST_HEAD);
      this.writeNumber(id);
      this.writeConstant(KEY_METHOD);
    }
    this.writeString(method);
    this.writeConstant(KEY_PARAMS);
    this.write(params, 2);
  }

  /** A map key: the JSON-RPC envelope's own keys are written from constants. */
  private writeKey(key: string): void {
    // Property names are internalized strings: these compares are pointer compares.
    if (key === 'id') this.writeConstant(KEY_ID);
    else if (key === 'method') this.writeConstant(KEY_METHOD);
    else if (key === 'params') this.writeConstant(KEY_PARAMS);
    else if (key === 'result') this.writeConstant(KEY_RESULT);
    else this.writeString(key);
  }

  /** bin 8 / 16 / 32 with the view's bytes (a hole instead of the bytes when big enough). */
  writeBinary(view: ArrayBufferView): void {
    const size = view.byteLength;
    if (size > 0xffff_ffff) throw new Error(`Too large binary: ${size}`);
    this.ensure(5);
    const buf = this.buf;
    let p = this.pos;
    if (size < 0x100) {
      buf[p++] = 0xc4;
      buf[p++] = size;
    } else if (size < 0x10000) {
      buf[p++] = 0xc5;
      buf[p++] = size >>> 8;
      buf[p++] = size;
    } else {
      buf[p++] = 0xc6;
      putU32(buf, p, size);
      p += 4;
    }
    this.pos = p;
    if (size >= this.zeroCopyMinBytes) {
      this.holeAt.push(p);
      this.holeValue.push(view instanceof Buffer ? view : Buffer.from(view.buffer, view.byteOffset, size));
      this.holeBytes += size;
      return;
    }
    this.ensure(size);
    this.buf.set(view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, size), this.pos);
    this.pos += size;
  }

  private writeArray(items: readonly unknown[], depth: number): void {
    const n = items.length;
    this.ensure(5);
    const buf = this.buf;
    const p = this.pos;
    if (n < 16) {
      buf[p] = 0x90 | n;
      this.pos = p + 1;
    } else if (n < 0x10000) {
      buf[p] = 0xdc;
      buf.writeUInt16BE(n, p + 1);
      this.pos = p + 3;
    } else {
      buf[p] = 0xdd;
      buf.writeUInt32BE(n, p + 1);
      this.pos = p + 5;
    }
    for (let i = 0; i < n; i++) this.write(items[i], depth + 1);
  }

  /** An object's own enumerable properties whose value is not `undefined`. */
  private writeMap(object: Record<string, unknown>, depth: number): void {
    this.ensure(1);
    const head = this.pos;
    const base = this.base;
    this.pos = head + 1; // fixmap, patched with the count at the end unless there are 16 entries or more
    const holes = this.holeAt.length;
    let written = 0;
    for (const key in object) {
      if (!hasOwnProperty.call(object, key)) continue;
      const value = object[key];
      if (value === undefined) continue;
      if (++written === 16) return this.writeBigMap(object, depth, head - base, holes);
      if (key === 'jsonrpc' && value === '2.0') {
        this.writeConstant(JSONRPC_2_0); // the envelope's first entry, every message
        continue;
      }
      this.writeKey(key);
      // Leaves go straight to their writers: one call less than `write`, and this call site's own
      // type feedback (`write` is shared by every value of every message). Past the depth limit,
      // `write` throws as the library does, leaves included.
      if (depth >= MAX_ENCODE_DEPTH) this.write(value, depth + 1);
      else if (typeof value === 'string') this.writeString(value);
      else if (typeof value === 'number') this.writeNumber(value);
      else if (value instanceof Uint8Array) this.writeBinary(value);
      else this.write(value, depth + 1);
    }
    this.buf[head - base + this.base] = 0x80 | written; // `base` moves when the Buffer grows
  }

  /**
   * Restarts a map of 16 entries or more at `offset` (from `base`) with a map 16 / 32 header,
   * forgetting the holes its first entries recorded (from index `holes` on).
   */
  private writeBigMap(object: Record<string, unknown>, depth: number, offset: number, holes: number): void {
    for (let i = holes; i < this.holeAt.length; i++) this.holeBytes -= this.holeValue[i]!.length;
    this.holeAt.length = holes;
    this.holeValue.length = holes;
    const keys = Object.keys(object);
    let count = 0;
    for (const key of keys) if (object[key] !== undefined) count++;
    this.pos = this.base + offset;
    this.ensure(5);
    const head = this.pos;
    if (count < 0x10000) {
      this.buf[head] = 0xde;
      this.buf.writeUInt16BE(count, head + 1);
      this.pos = head + 3;
    } else {
      this.buf[head] = 0xdf;
      this.buf.writeUInt32BE(count, head + 1);
      this.pos = head + 5;
    }
    for (const key of keys) {
      const value = object[key];
      if (value === undefined) continue;
      this.writeString(key);
      this.write(value, depth + 1);
    }
  }

  /** One value encoded by @msgpack/msgpack, its bytes copied in. */
  private writeFallback(value: unknown): void {
    const bytes = fallback.encodeSharedRef(value);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

/** A notification's first bytes: a map of 3, `"jsonrpc": "2.0"`, the key `"method"`. */
const NOTIFICATION_HEAD = new ConstantBytes(Uint8Array.of(0x83)).concat(JSONRPC_2_0).concat(KEY_METHOD);
/** A request's first bytes: a map of 4, `"jsonrpc": "2.0"`, the key `"id"`. */
const REQUEST_HEAD = new ConstantBytes(Uint8Array.of(0x84)).concat(JSONRPC_2_0).concat(KEY_ID);
