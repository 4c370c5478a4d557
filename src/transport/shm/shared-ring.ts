/**
 * The ring files of the shared-memory side channel (docs/shared-memory.md). A sender makes its
 * own ring: a memfd (an anonymous file: no name in any directory, so nothing is ever left behind),
 * mode 0600, sealed so that it can never shrink or grow — a peer that mapped it can never fault
 * past its end (SIGBUS), whatever the sender does later. Its peer opens it through
 * `/proc/<pid>/fd/<fd>` after the checks of ring-offer.ts (the sender's own descriptor, a sealed
 * memfd of the announced size and key owned by the sender's user), maps it read-only and closes
 * its descriptor. The sender closes its own once
 * the peer said it mapped the ring: after the handshake no ring holds a file descriptor. A mapping
 * is address space only until the first large frame; only then is it an ArrayBuffer (which the
 * garbage collector counts as external memory).
 *
 * File layout: bytes 0-15 the key, 16-63 zero, then the data area (64 to the end).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, writeSync } from 'node:fs';
import { payloadBuffer, type MappingHandle, type ShmNative } from './native.js';
import type { PeerCredentials } from './peer-credentials.js';
import { RingAllocator } from './ring-allocator.js';
import { KEY_BYTES, RING_REFUSED, openOfferedRing, type RingOffer } from './ring-offer.js';

export { MAX_RING_BYTES, MIN_RING_BYTES, offerProblem, type RingOffer } from './ring-offer.js';

/** Where the data area starts in a ring file. */
export const RING_DATA_OFFSET = 64;

/** A sender's own ring: reserve a region, copy a payload into it, hand its offset to the peer. */
export class OutgoingRing {
  readonly offer: RingOffer;
  private readonly allocator: RingAllocator;
  private readonly mapped: LazyView;
  /** Open until the peer mapped the file (it opens it through `/proc/<pid>/fd/<fd>`). */
  private fd: number;

  private constructor(mapped: LazyView, fd: number, offer: RingOffer) {
    this.mapped = mapped;
    this.fd = fd;
    this.offer = offer;
    this.allocator = new RingAllocator(offer.bytes - RING_DATA_OFFSET);
  }

  /** Makes a ring of `bytes` bytes. @throws Error (a system error) when the file cannot be made or mapped */
  static create(native: ShmNative, bytes: number): OutgoingRing {
    const fd = native.createSealed(bytes);
    try {
      const key = randomBytes(KEY_BYTES);
      writeSync(fd, key, 0, KEY_BYTES, 0);
      const mapped = new LazyView(native, native.map(fd, bytes, true));
      return new OutgoingRing(mapped, fd, { path: `/proc/${process.pid}/fd/${fd}`, bytes, key: key.toString('hex') });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Bytes of the data area: the largest payload the ring can take. */
  get capacity(): number {
    return this.allocator.capacity;
  }

  /** Regions the peer has not released yet. */
  get outstanding(): number {
    return this.allocator.outstanding;
  }

  /**
   * Copies `parts` (`length` bytes in all) into a new region and returns its file offset, or -1
   * when the ring has no room (or is closed): then send the frame over the socket.
   */
  put(parts: readonly Buffer[], length: number): number {
    const view = this.mapped.view();
    if (view === null) return -1;
    const offset = this.allocator.reserve(length);
    if (offset < 0) return -1;
    let at = RING_DATA_OFFSET + offset;
    for (const part of parts) at += part.copy(view, at);
    return RING_DATA_OFFSET + offset;
  }

  /** The peer released its `count` oldest regions. False when it released more than it had. */
  release(count: number): boolean {
    return this.allocator.release(count);
  }

  /** Closed, or the mapping could not be used: nothing more goes through this ring. */
  get isClosed(): boolean {
    return this.mapped.isClosed;
  }

  /** The peer has mapped the file: our descriptor is no longer needed (the mappings keep the file). */
  peerMapped(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Unmaps (the kernel frees the file once the peer unmapped it too). Idempotent. */
  close(): void {
    this.peerMapped();
    this.mapped.close();
  }
}

/** A peer's ring, mapped read-only: payloads are copied out of it. */
export class IncomingRing {
  private readonly native: ShmNative;
  private readonly mapped: LazyView;
  readonly bytes: number;

  private constructor(native: ShmNative, mapped: LazyView, bytes: number) {
    this.native = native;
    this.mapped = mapped;
    this.bytes = bytes;
  }

  /**
   * Opens, checks (ring-offer.ts) and maps the ring a peer offered; a string says why it was
   * refused. `peer`: the kernel's credentials of the connection's other end (none: refused).
   */
  static open(native: ShmNative, offer: unknown, peer: PeerCredentials | undefined): IncomingRing | string {
    const opened = openOfferedRing(native, offer, peer);
    if ('refused' in opened) return opened.refused;
    const { bytes } = offer as RingOffer;
    try {
      return new IncomingRing(native, new LazyView(native, native.map(opened.fd, bytes, false)), bytes);
    } catch {
      return RING_REFUSED;
    } finally {
      closeSync(opened.fd); // the mapping keeps the file
    }
  }

  /** A copy of the payload at `[offset, offset + length)`, or a string saying why that region is not in the ring. */
  read(offset: number, length: number): Buffer | string {
    if (offset < RING_DATA_OFFSET || length === 0 || offset + length > this.bytes) {
      return `indirect frame [${offset}, ${offset + length}) is outside the ring's data area [${RING_DATA_OFFSET}, ${this.bytes})`;
    }
    const view = this.mapped.view();
    if (view === null) return 'the ring is closed';
    const out = payloadBuffer(this.native, length);
    view.copy(out, 0, offset, offset + length);
    return out;
  }

  /** Unmaps and closes. Idempotent. */
  close(): void {
    this.mapped.close();
  }
}

/** A mapping whose ArrayBuffer is made on first use; `close()` unmaps it. */
class LazyView {
  private buffer: Buffer | null = null;
  private closed = false;

  constructor(
    private readonly native: ShmNative,
    private readonly handle: MappingHandle,
  ) {}

  /** True once closed (or when the mapping could not be wrapped). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The mapped file, or null once closed. */
  view(): Buffer | null {
    if (this.closed) return null;
    if (this.buffer === null) {
      try {
        this.buffer = Buffer.from(this.native.view(this.handle));
      } catch {
        this.close();
        return null;
      }
    }
    return this.buffer;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = null;
    this.native.unmap(this.handle);
  }
}
