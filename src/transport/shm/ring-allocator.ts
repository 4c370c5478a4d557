/**
 * Where the next payloads go in a sender's ring (docs/shared-memory.md): regions are taken in
 * order, wrapping around, and given back in the same order when the receiver sends a release
 * frame. Pure bookkeeping, no I/O.
 *
 * Positions count bytes from the start of the connection; a region never wraps: a payload that
 * does not fit before the end of the ring starts at its beginning (the bytes skipped are given
 * back with it). `reserve` never waits: without room it returns -1 and the caller sends the
 * frame over the socket.
 */
export class RingAllocator {
  /** Bytes of the ring's data area. */
  readonly capacity: number;
  /** Position after the last reserved region. */
  private head = 0;
  /** Position up to which the receiver released. */
  private tail = 0;
  /** End position of each reserved, unreleased region, oldest first (`ends[first..]`). */
  private ends: number[] = [];
  private first = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Regions reserved and not yet released. */
  get outstanding(): number {
    return this.ends.length - this.first;
  }

  /** Bytes reserved and not yet released (skipped bytes included). */
  get usedBytes(): number {
    return this.head - this.tail;
  }

  /** Offset in the data area of a new region of `length` bytes, or -1 when there is no room now. */
  reserve(length: number): number {
    if (length <= 0 || length > this.capacity) return -1;
    let start = this.head;
    const offset = start % this.capacity;
    if (offset + length > this.capacity) {
      start += this.capacity - offset;
      if (this.outstanding === 0) this.tail = start; // an empty ring gives the skipped bytes back at once
    }
    if (start + length - this.tail > this.capacity) return -1;
    this.head = start + length;
    this.ends.push(this.head);
    return start % this.capacity;
  }

  /** Gives back the `count` oldest regions. False (and nothing changes) when fewer are outstanding. */
  release(count: number): boolean {
    if (!Number.isInteger(count) || count < 0 || count > this.outstanding) return false;
    if (count === 0) return true;
    this.first += count;
    this.tail = this.ends[this.first - 1]!;
    if (this.first === this.ends.length) {
      this.ends = [];
      this.first = 0;
    } else if (this.first > 1024) {
      this.ends = this.ends.slice(this.first);
      this.first = 0;
    }
    return true;
  }
}
