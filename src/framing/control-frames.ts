/**
 * The two control frames of binary mode's shared-memory side channel (docs/shared-memory.md).
 * They use header values no payload can have once a connection negotiated the side channel
 * (frames are limited to maxMessageBytes, at most 2^32 - 3 bytes):
 *
 *   indirect: ff ff ff ff  <u32 offset> <u32 length>   the next frame's payload is bytes
 *             [offset, offset + length) of the sender's ring file
 *   release:  ff ff ff fe  <u32 count>                 the receiver is done with the sender's
 *             `count` oldest indirect frames (count 0: "I mapped your ring", sent once)
 *
 * All integers big-endian. Pure codec, no I/O.
 */

/** Header value of an indirect frame. */
export const INDIRECT_MARK = 0xffff_ffff;
/** Header value of a release frame. */
export const RELEASE_MARK = 0xffff_fffe;
/** Bytes after the mark: indirect (offset, length), release (count). */
export const INDIRECT_BODY_BYTES = 8;
export const RELEASE_BODY_BYTES = 4;
/** Whole frame sizes, mark included. */
export const INDIRECT_FRAME_BYTES = 4 + INDIRECT_BODY_BYTES;
export const RELEASE_FRAME_BYTES = 4 + RELEASE_BODY_BYTES;

/** Writes an indirect frame at `at` of `buf` (12 bytes). */
export function writeIndirectFrame(buf: Buffer, at: number, offset: number, length: number): void {
  buf.writeUInt32BE(INDIRECT_MARK, at);
  buf.writeUInt32BE(offset, at + 4);
  buf.writeUInt32BE(length, at + 8);
}

/** A release frame for `count` indirect frames (8 bytes). */
export function releaseFrame(count: number): Buffer {
  const out = Buffer.allocUnsafe(RELEASE_FRAME_BYTES);
  out.writeUInt32BE(RELEASE_MARK, 0);
  out.writeUInt32BE(count, 4);
  return out;
}

/** Body bytes that follow a control mark, or 0 when `header` is an ordinary frame length. */
export function controlBodyBytes(header: number): number {
  return header === INDIRECT_MARK ? INDIRECT_BODY_BYTES : header === RELEASE_MARK ? RELEASE_BODY_BYTES : 0;
}
