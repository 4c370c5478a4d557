/**
 * The shared-memory side of sidewire's optional native helper (native/shm.c, loaded by
 * `../native-binding.ts`): shared mappings of a file and a pool of recycled Buffers, what the
 * shared-memory side channel needs and Node.js cannot do (docs/shared-memory.md).
 * Absent (no prebuild fits and no source build, not Linux, `SIDEWIRE_SHM=0` or `SIDEWIRE_NATIVE=0`): `shmNative()` is
 * null and `shmUnavailable()` says why; nothing else changes. `shmStatus()` is what doctor shows.
 */
import { sep } from 'node:path';
import { missingFunction, nativeBinding, NATIVE_REBUILD } from '../native-binding.js';

/** An opaque handle of a mapping (native/shm.c). */
export interface MappingHandle {
  readonly __mapping: never;
}

export interface ShmNative {
  /** A new memfd of `bytes` bytes (mode 0600) sealed against shrinking and growing; its descriptor. @throws Error ERR_SHM_CREATE */
  createSealed(bytes: number): number;
  /**
   * A memfd of `bytes` bytes (mode 0600) with exactly `seals` (F_SEAL_* bits; 0: none), on hugetlbfs
   * when `hugetlb`: tests make the files a receiver must refuse with it. @throws Error ERR_SHM_CREATE
   */
  createMemfd(bytes: number, seals: number, hugetlb: boolean): number;
  /** The F_GET_SEALS bits of `fd` (-1 when it is not a sealable file). */
  seals(fd: number): number;
  /** The `f_type` (magic number) of the file system `fd` is on (fstatfs), -1 on error. */
  fsType(fd: number): number;
  /**
   * `open(path, O_PATH)`: a descriptor that names the file without opening it (no device's open
   * runs, a FIFO cannot block), for fstat/fstatfs and a reopen through `/proc/self/fd/<fd>`; -errno on failure.
   */
  openPath(path: string): number;
  /** The kernel's credentials of a unix socket's peer (SO_PEERCRED), or null (not a unix socket, unknown peer). */
  peerCredentials(socketFd: number): { pid: number; uid: number; gid: number } | null;
  /** `mmap(fd, bytes)` (shared), read-only unless `writable`; the descriptor may be closed afterwards. @throws Error ERR_SHM_MAP */
  map(fd: number, bytes: number, writable: boolean): MappingHandle;
  /** The ArrayBuffer over a mapping (made on the first call; reported to the GC as external memory from then on). */
  view(mapping: MappingHandle): ArrayBuffer;
  /** Detaches the mapping's ArrayBuffer (its views become empty) and unmaps it now. */
  unmap(mapping: MappingHandle): void;
  /** A Buffer of 1 byte to 64 MiB whose memory is recycled once it is garbage collected. */
  alloc(bytes: number): Buffer;
  /**
   * What descriptor `fd` is (native/peer.c; absent from older builds): its socket type, whether
   * it listens, and its address; null when it is not a socket.
   */
  socketInfo?(fd: number): NativeSocketInfo | null;
  /** Sends one datagram to the unix datagram socket `path` ('@name': abstract); 0 or -errno (native/peer.c; absent from older builds). */
  notify?(path: string, message: string): number;
}

/** `socketInfo(fd)` of the native helper. */
export interface NativeSocketInfo {
  readonly type: 'stream' | 'dgram' | 'seqpacket' | 'other';
  readonly listening: boolean;
  readonly family: 'unix' | 'inet' | 'inet6' | 'other';
  /** A unix socket bound to a path. */
  readonly path?: string;
  /** A Linux abstract unix socket's name (without the leading NUL). */
  readonly abstract?: string;
  /** An inet socket's address and port. */
  readonly address?: string;
  readonly port?: number;
}

/** Every function the helper must have: an older build lacks some, and is not used then. */
const FUNCTIONS: readonly (keyof ShmNative)[] = ['createSealed', 'createMemfd', 'seals', 'fsType', 'openPath', 'peerCredentials', 'map', 'view', 'unmap', 'alloc'];

let loaded: ShmNative | null | undefined;
let reason: string | undefined;
let loadedFrom: string | undefined;

/** The native helper, or null when it cannot be used here (see `shmUnavailable`). */
export function shmNative(): ShmNative | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env['SIDEWIRE_SHM'] === '0') reason = 'disabled by SIDEWIRE_SHM=0';
  else if (process.platform !== 'linux') reason = `the shared-memory side channel is Linux-only (this is ${process.platform})`;
  else {
    const binding = nativeBinding();
    const missing = binding.ok ? missingFunction(binding.exports, FUNCTIONS) : undefined;
    if (!binding.ok) reason = binding.reason;
    else if (missing === undefined) {
      loaded = binding.exports as unknown as ShmNative;
      loadedFrom = binding.path;
    } else reason = `the native helper is out of date (${binding.path} has no ${missing}); ${NATIVE_REBUILD}`;
  }
  return loaded;
}

/** Why `shmNative()` is null, or undefined when it is available. */
export function shmUnavailable(): string | undefined {
  shmNative();
  return reason;
}

/** What `sidewire doctor` reports about the native helper and so the shared-memory side channel. */
export interface ShmStatus {
  /** The helper loaded: the shared-memory side channel can be offered and accepted. */
  readonly available: boolean;
  /** Which binary: `prebuilt` (prebuilds/), `source` (a node-gyp build), or null when not loaded. */
  readonly build: 'prebuilt' | 'source' | null;
  /** The loaded file, or null. */
  readonly path: string | null;
  /** Why it is not available (with the fix), or null. */
  readonly reason: string | null;
}

/** Whether the native helper (and so shared memory) is available here, which build, and why not. */
export function shmStatus(): ShmStatus {
  const native = shmNative();
  if (native === null || loadedFrom === undefined) return { available: false, build: null, path: null, reason: reason ?? 'unavailable' };
  const build = loadedFrom.includes(`${sep}prebuilds${sep}`) ? 'prebuilt' : 'source';
  return { available: true, build, path: loadedFrom, reason: null };
}

/** Minimum and maximum sizes `alloc` takes from its pool; other sizes use Buffer.allocUnsafe. */
const POOL_MIN = 64 * 1024;
const POOL_MAX = 64 * 1024 * 1024;

/** A Buffer of `bytes` for a received payload: recycled memory when the helper is there. */
export function payloadBuffer(native: ShmNative | null, bytes: number): Buffer {
  return native !== null && bytes >= POOL_MIN && bytes <= POOL_MAX ? native.alloc(bytes) : Buffer.allocUnsafe(bytes);
}
