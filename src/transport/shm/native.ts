/**
 * Loads sidewire's optional native helper (native/shm.c, built on install by
 * scripts/build-native.mjs): shared mappings of a file and a pool of recycled Buffers, what the
 * shared-memory side channel needs and Node.js cannot do. Absent (not built, not Linux, or
 * `SIDEWIRE_SHM=0`): `shmNative()` is null and `shmUnavailable()` says why; nothing else changes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
}

/** Where scripts/build-native.mjs puts the helper, in the package root. */
const BINARY = join('native', 'build', 'sidewire_shm.node');

/** Every function the helper must have: an older build lacks some, and is not used then. */
const FUNCTIONS: readonly (keyof ShmNative)[] = ['createSealed', 'createMemfd', 'seals', 'fsType', 'openPath', 'peerCredentials', 'map', 'view', 'unmap', 'alloc'];

let loaded: ShmNative | null | undefined;
let reason: string | undefined;

/** The native helper, or null when it cannot be used here (see `shmUnavailable`). */
export function shmNative(): ShmNative | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env['SIDEWIRE_SHM'] === '0') reason = 'disabled by SIDEWIRE_SHM=0';
  else if (process.platform !== 'linux') reason = `the shared-memory side channel is Linux-only (this is ${process.platform})`;
  else {
    try {
      const helper = createRequire(import.meta.url)(findBinary()) as Record<string, unknown>;
      const missing = FUNCTIONS.find((name) => typeof helper[name] !== 'function');
      if (missing === undefined) loaded = helper as unknown as ShmNative;
      else reason = `the native helper is out of date (it has no ${missing}); run \`node scripts/build-native.mjs\` in the sidewire package`;
    } catch (err) {
      reason = `the native helper is not built (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); run \`node scripts/build-native.mjs\` in the sidewire package (needs a C compiler)`;
    }
  }
  return loaded;
}

/** Why `shmNative()` is null, or undefined when it is available. */
export function shmUnavailable(): string | undefined {
  shmNative();
  return reason;
}

/** The helper in the nearest directory above this module that has one (src/, dist/ or a copy of the build). */
function findBinary(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 8; up++) {
    if (existsSync(join(dir, BINARY))) return join(dir, BINARY);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', BINARY); // the error names where it should be
}

/** Minimum and maximum sizes `alloc` takes from its pool; other sizes use Buffer.allocUnsafe. */
const POOL_MIN = 64 * 1024;
const POOL_MAX = 64 * 1024 * 1024;

/** A Buffer of `bytes` for a received payload: recycled memory when the helper is there. */
export function payloadBuffer(native: ShmNative | null, bytes: number): Buffer {
  return native !== null && bytes >= POOL_MIN && bytes <= POOL_MAX ? native.alloc(bytes) : Buffer.allocUnsafe(bytes);
}
