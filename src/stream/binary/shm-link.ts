/**
 * One binary-mode connection's shared-memory side channel (docs/shared-memory.md): this side's
 * ring for the frames it sends (offered in `$/hello`, used once the peer took it) and the peer's
 * ring for the frames it receives. The stream and its writer call this; the rings themselves are
 * in src/transport/shm.
 */
import type { Duplex } from 'node:stream';
import { releaseFrame } from '../../framing/control-frames.js';
import { FRAME_HEADER_BYTES } from './binary-codec.js';
import { shmNative, shmUnavailable, type ShmNative } from '../../transport/shm/native.js';
import { socketPeerCredentials } from '../../transport/shm/peer-credentials.js';
import { IncomingRing, OutgoingRing, type RingOffer } from '../../transport/shm/shared-ring.js';
import type { SharedMemorySettings } from '../../transport/shm/shm-options.js';
import type { ShmHelloReply } from '../../protocol/hello.js';

export type { ShmHelloReply };

/** Where this side's ring stands: none, offered to the peer, or in use. */
export type OutgoingRingState = 'off' | 'offered' | 'on';

/** Where the side channel of a connection stands (tests and stats). */
export interface ShmCounters {
  readonly outgoing: OutgoingRingState;
  /** The peer's ring is mapped. */
  readonly incoming: boolean;
  /** Frames this side sent through its ring. */
  readonly sentViaRing: number;
  /** Frames that waited for room in the ring (or behind a frame that did). */
  readonly waitedForRoom: number;
  /** Frames received through the peer's ring. */
  readonly receivedViaRing: number;
}

export class SharedMemoryLink {
  readonly minFrameBytes: number;
  private readonly native: ShmNative;
  /** The connection's socket: the kernel says through it who the peer is (the only process whose ring we open). */
  private readonly socket: Duplex;
  private readonly ringBytes: number;
  private out: OutgoingRing | undefined;
  private incoming: IncomingRing | undefined;
  private state: OutgoingRingState = 'off';
  /** Indirect frames read since the last release frame was sent. */
  private unreleased = 0;
  private sentViaRing = 0;
  private waitedForRoom = 0;
  private receivedViaRing = 0;

  private constructor(native: ShmNative, settings: SharedMemorySettings, socket: Duplex) {
    this.native = native;
    this.socket = socket;
    this.ringBytes = settings.ringBytes;
    this.minFrameBytes = settings.minFrameBytes;
  }

  get counters(): ShmCounters {
    const { state: outgoing, sentViaRing, waitedForRoom, receivedViaRing } = this;
    return { outgoing, incoming: this.incoming !== undefined, sentViaRing, waitedForRoom, receivedViaRing };
  }

  /** A link for the connection on `socket`, or a string saying why there can be none on this machine. */
  static create(settings: SharedMemorySettings, socket: Duplex): SharedMemoryLink | string {
    const native = shmNative();
    return native === null ? (shmUnavailable() ?? 'unavailable') : new SharedMemoryLink(native, settings, socket);
  }

  /** Makes this side's ring and returns the offer for the peer (undefined when the file could not be made). */
  offer(): RingOffer | undefined {
    if (this.out !== undefined) return this.out.offer;
    try {
      this.out = OutgoingRing.create(this.native, this.ringBytes);
    } catch {
      return undefined; // e.g. no memory for the memfd: large frames simply go over the socket
    }
    this.state = 'offered';
    return this.out.offer;
  }

  /** The peer took our ring (client: the hello reply said accepted): in use, and our descriptor closed. */
  enableOutgoing(): void {
    if (this.out === undefined) return;
    this.out.peerMapped();
    this.state = 'on';
  }

  /** The peer refused our ring: let it go. */
  dropOutgoing(): void {
    this.out?.close();
    this.out = undefined;
    this.state = 'off';
  }

  /**
   * Maps the peer's ring, after the checks of docs/shared-memory.md (the same on both sides: a
   * client checks a server's ring as a server checks a client's); a string says why not.
   */
  openIncoming(offer: unknown): string | undefined {
    if (this.incoming !== undefined) return 'the peer offered a ring twice';
    const ring = IncomingRing.open(this.native, offer, socketPeerCredentials(this.native, this.socket));
    if (typeof ring === 'string') return ring;
    this.incoming = ring;
    return undefined;
  }

  /** Our ring is in use: large frames go through it. */
  get active(): boolean {
    return this.state === 'on';
  }

  /** Bytes of our ring's data area (0 without one). */
  get capacity(): number {
    return this.out?.capacity ?? 0;
  }

  /** A frame of `frameBytes` bytes (header included) goes through our ring: big enough, and its payload not bigger than the ring. */
  carries(frameBytes: number): boolean {
    return frameBytes >= this.minFrameBytes && frameBytes - FRAME_HEADER_BYTES <= this.capacity;
  }

  /**
   * Copies a frame's payload (`parts`, `length` bytes) into our ring: its file offset, or -1 when
   * the ring has no room now (or is not in use).
   */
  put(parts: readonly Buffer[], length: number): number {
    if (this.state !== 'on') return -1;
    const offset = this.out!.put(parts, length);
    if (offset >= 0) this.sentViaRing++;
    else if (this.out!.isClosed) this.state = 'off'; // could not be mapped: the socket carries everything
    return offset;
  }

  /** A frame waits for room in the ring (counted). */
  waited(): void {
    this.waitedForRoom++;
  }

  /** An indirect frame arrived: its payload (a copy), or a string saying why it is invalid. */
  read(offset: number, length: number): Buffer | string {
    if (this.incoming === undefined) return 'indirect frame on a connection without a shared ring';
    const payload = this.incoming.read(offset, length);
    if (typeof payload !== 'string') {
      this.unreleased++;
      this.receivedViaRing++;
    }
    return payload;
  }

  /** The release frame to send for what was read since the last one, or undefined. */
  takeRelease(): Buffer | undefined {
    if (this.unreleased === 0) return undefined;
    const frame = releaseFrame(this.unreleased);
    this.unreleased = 0;
    return frame;
  }

  /** The peer released `count` of our frames (0: it mapped our ring); a string says why that is wrong. */
  released(count: number): string | undefined {
    if (this.out === undefined) return 'release frame on a connection without a ring of ours';
    if (count === 0) {
      if (this.state === 'offered') this.enableOutgoing();
      return undefined;
    }
    return this.out.release(count) ? undefined : `the peer released ${count} frames, but only ${this.out.outstanding} were sent through the ring`;
  }

  /** Unmaps both rings. Idempotent. */
  close(): void {
    this.out?.close();
    this.out = undefined;
    this.incoming?.close();
    this.incoming = undefined;
    this.state = 'off';
  }
}
