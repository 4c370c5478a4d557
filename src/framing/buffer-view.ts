/**
 * `bufferView(buf, start, end)`: a Buffer sharing `buf`'s memory, like `buf.subarray(start, end)`
 * but about 30 ns cheaper per call (the decoder makes one per `bin` value, on the hot path).
 *
 * `Buffer#subarray` clamps both offsets (adjustOffset) and reads `this.buffer`/`this.byteOffset`
 * before it constructs Node's internal `FastBuffer` (the class every Buffer is an instance of,
 * reachable as `Buffer[Symbol.species]`). Callers here have checked their offsets already, so the
 * view is constructed directly. Where that class is not what it is in Node (another runtime),
 * `subarray` is used: the result is the same Buffer either way.
 */

type ViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

function fastBufferClass(): ViewConstructor | undefined {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species !== 'function') return undefined;
  try {
    const probe = new Uint8Array([1, 2, 3]);
    const view = new (species as ViewConstructor)(probe.buffer, 1, 1);
    return Object.getPrototypeOf(view) === Buffer.prototype && view.length === 1 && view[0] === 2 ? (species as ViewConstructor) : undefined;
  } catch {
    return undefined;
  }
}

const View = fastBufferClass();

/** A Buffer view of `buf[start, end)`; the offsets must lie within `buf` (0 <= start <= end <= length). */
export const bufferView: (buf: Buffer, start: number, end: number) => Buffer =
  View === undefined
    ? (buf, start, end) => buf.subarray(start, end)
    : (buf, start, end) => new View(buf.buffer, buf.byteOffset + start, end - start);
