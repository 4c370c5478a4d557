/**
 * The check a binary frame passes before @msgpack/msgpack decodes it (msgpack.ts): a walk over
 * the MessagePack headers that allocates nothing and refuses the frame when
 *
 * - a declared length cannot fit in the bytes left. Every element of an array of n is a value of
 *   at least one byte (n bytes), a map of n entries holds 2n values (2n bytes), a str, bin or ext
 *   of n bytes takes n bytes; and the bytes left after a header must also hold the values the
 *   enclosing arrays and maps still owe. So however they nest, the arrays and maps of one frame
 *   declare fewer elements than the frame has bytes;
 * - values nest deeper than `MAX_DECODE_DEPTH` levels (the top value is level 1).
 *
 * Either is a parse error (-32700 on a connection: docs/protocol.md, "Errors, limits and closing").
 * Without this check a 200-byte frame of forty `dd 01 ff ff ff` (array 32 of 2^25 - 1 elements,
 * nested) made the library call `new Array(33554431)` forty times (256 MiB each): the heap ran out
 * before the missing bytes were noticed. The library allocates an array from its header, before
 * any element is read, and keeps a state object per open container, however deep.
 *
 * Anything else wrong (an unused type byte, a truncated number, trailing bytes) is left to the
 * library, which reports it in its words: up to that point it reads what this walk read, and
 * every container before it passed the checks above.
 */
import { MAX_ENCODE_DEPTH } from './msgpack-encoder.js';

/**
 * Values nested deeper than this are refused, the top value being level 1: the encoder's limit
 * (the library's default), so what sidewire can send it can receive.
 */
export const MAX_DECODE_DEPTH = MAX_ENCODE_DEPTH;

/** Per open container (index 0: the top value), the values it still owes. Reused: no call re-enters. */
const owedBy = new Float64Array(MAX_DECODE_DEPTH);

/** Bytes after the type byte of the fixed-size types (numbers, fixext), 0 for the others. */
const FIXED = new Uint8Array(256);
for (const [type, bytes] of [
  [0xca, 4], [0xcb, 8], [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8],
  [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8],
  [0xd4, 2], [0xd5, 3], [0xd6, 5], [0xd7, 9], [0xd8, 17], // fixext: type + data
] as const) FIXED[type] = bytes;

/**
 * Checks the declared lengths and the nesting of the MessagePack value in `buf[start, end)`:
 * the reason it must be refused, or undefined when the library may decode it. Never throws.
 */
export function checkBounds(buf: Buffer, start: number, end: number): string | undefined {
  let pos = start;
  let depth = 0;
  owedBy[0] = 1;
  /** Values still to be read, of all open containers together (the current one excluded). */
  let owed = 1;
  for (;;) {
    while (owedBy[depth] === 0) {
      if (depth === 0) return undefined; // the top value is complete (trailing bytes: the library)
      depth--;
    }
    owedBy[depth] = owedBy[depth]! - 1;
    owed--;
    if (pos >= end) return undefined; // truncated: the library says so
    const at = pos - start;
    const b = buf[pos++]!;
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) continue;
    let items = -1; // a container's values (a map's keys and values)
    let map = false;
    let lengthBytes = 0; // a str / bin / ext: the size of its length field
    let extra = 0; // and of its ext type byte
    if (b < 0x90) {
      items = 2 * (b - 0x80);
      map = true;
    } else if (b < 0xa0) items = b - 0x90;
    else if (b < 0xc0) {
      const n = b - 0xa0;
      if (n > end - pos - owed) return tooLong('str', n, at, end - pos, owed);
      pos += n;
      continue;
    } else if (FIXED[b]! > 0) {
      pos += FIXED[b]!;
      if (pos > end) return undefined;
      continue;
    } else if (b === 0xdc || b === 0xde) {
      if (end - pos < 2) return undefined;
      map = b === 0xde;
      items = (map ? 2 : 1) * buf.readUInt16BE(pos);
      pos += 2;
    } else if (b === 0xdd || b === 0xdf) {
      if (end - pos < 4) return undefined;
      map = b === 0xdf;
      items = (map ? 2 : 1) * buf.readUInt32BE(pos);
      pos += 4;
    } else if (b === 0xc4 || b === 0xd9) lengthBytes = 1;
    else if (b === 0xc5 || b === 0xda) lengthBytes = 2;
    else if (b === 0xc6 || b === 0xdb) lengthBytes = 4;
    else if (b === 0xc7 || b === 0xc8 || b === 0xc9) {
      lengthBytes = 1 << (b - 0xc7);
      extra = 1;
    } else return undefined; // 0xc1, never used: the library refuses it

    if (items < 0) {
      if (end - pos < lengthBytes + extra) return undefined;
      const n = lengthBytes === 1 ? buf[pos]! : lengthBytes === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
      pos += lengthBytes + extra;
      if (n > end - pos - owed) return tooLong(b >= 0xd9 ? 'str' : b >= 0xc7 ? 'ext' : 'bin', n, at, end - pos, owed);
      pos += n;
      continue;
    }
    if (items === 0) continue;
    const kind = map ? 'map' : 'array';
    if (items > end - pos - owed) return tooLong(kind, map ? items / 2 : items, at, end - pos, owed);
    if (depth + 1 >= MAX_DECODE_DEPTH) return `${kind} at byte ${at} nests values deeper than ${MAX_DECODE_DEPTH} levels`;
    owed += items;
    owedBy[++depth] = items;
  }
}

function tooLong(kind: string, n: number, at: number, left: number, owed: number): string {
  const what = kind === 'array' ? `array of ${n} elements` : kind === 'map' ? `map of ${n} entries` : `${kind} of ${n} bytes`;
  const rest = owed > 0 ? `, which must also hold ${owed} more value${owed === 1 ? '' : 's'}` : '';
  return `${what} at byte ${at} cannot fit in the ${left} bytes left${rest}`;
}
