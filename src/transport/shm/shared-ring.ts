/**
 * The ring files of the shared-memory side channel (docs/shared-memory.md). A sender makes its
 * own ring: a memfd (an anonymous file: no name in any directory, so nothing is ever left behind),
 * mode 0600, sealed so that it can never shrink or grow — a peer that mapped it can never fault
 * past its end (SIGBUS), whatever the sender does later. Its peer opens it through
 * `/proc/<pid>/fd/<fd>` (possible only for the same user), checks that it is a regular file of the
 * announced size owned by this user, sealed against shrinking, and that its first 16 bytes are
 * the announced key, maps it read-only and closes its descriptor. The sender closes its own once
 * the peer said it mapped the ring: after the handshake no ring holds a file descriptor. A mapping
 * is address space only until the first large frame; only then is it an ArrayBuffer (which the
 * garbage collector counts as external memory).
 *
 * File layout: bytes 0-15 the key, 16-63 zero, then the data area (64 to the end).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { payloadBuffer, type MappingHandle, type ShmNative } from './native.js';
import { RingAllocator } from './ring-allocator.js';

/** Where the data area starts in a ring file. */
export const RING_DATA_OFFSET = 64;
const KEY_BYTES = 16;
/** fcntl F_SEAL_SHRINK: the file can never get smaller. */
const F_SEAL_SHRINK = 2;
/** Smallest and largest ring a peer may offer (and this side may be told to make). */
export const MIN_RING_BYTES = 1024 * 1024;
export const MAX_RING_BYTES = 1024 * 1024 * 1024;

/** What a sender says of its ring in `$/hello`. */
export interface RingOffer {
  /** `/proc/<pid>/fd/<fd>` of the sender. */
  readonly path: string;
  /** Size of the file in bytes. */
  readonly bytes: number;
  /** 32 hex digits: the file's first 16 bytes. */
  readonly key: string;
}

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

  /** Opens and checks the ring a peer offered; a string says why it was refused. */
  static open(native: ShmNative, offer: unknown): IncomingRing | string {
    const problem = offerProblem(offer);
    if (problem !== undefined) return problem;
    const { path, bytes, key } = offer as RingOffer;
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO (or a device) offered as a ring must not block the event loop in open();
      // fstat refuses it right after.
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      return `cannot open the ring ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (another user, or another pid namespace?)`;
    }
    try {
      const st = fstatSync(fd);
      const uid = process.getuid?.();
      if (!st.isFile() || st.size !== bytes) return `the ring ${path} is not a file of ${bytes} bytes`;
      if (uid !== undefined && st.uid !== uid) return `the ring ${path} belongs to uid ${st.uid}, not to this user`;
      if ((native.seals(fd) & F_SEAL_SHRINK) === 0) return `the ring ${path} is not sealed against shrinking (a memfd with F_SEAL_SHRINK): refused, a mapping of it could fault`;
      const head = Buffer.alloc(KEY_BYTES);
      if (readSync(fd, head, 0, KEY_BYTES, 0) !== KEY_BYTES || head.toString('hex') !== key) {
        return `the ring ${path} does not start with the announced key (not the peer's file)`;
      }
      return new IncomingRing(native, new LazyView(native, native.map(fd, bytes, false)), bytes);
    } catch (err) {
      return `cannot map the ring ${path}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      closeSync(fd); // the mapping keeps the file
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

/** Why `offer` is not a ring offer, or undefined. */
export function offerProblem(offer: unknown): string | undefined {
  if (typeof offer !== 'object' || offer === null) return 'the ring offer must be an object { path, bytes, key }';
  const o = offer as Record<string, unknown>;
  if (typeof o['path'] !== 'string' || !/^\/proc\/\d+\/fd\/\d+$/.test(o['path'])) return 'the ring offer\'s "path" must be /proc/<pid>/fd/<fd>';
  const bytes = o['bytes'];
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < MIN_RING_BYTES || bytes > MAX_RING_BYTES) {
    return `the ring offer's "bytes" must be an integer from ${MIN_RING_BYTES} to ${MAX_RING_BYTES}`;
  }
  if (typeof o['key'] !== 'string' || !/^[0-9a-f]{32}$/.test(o['key'])) return 'the ring offer\'s "key" must be 32 lowercase hex digits';
  return undefined;
}
