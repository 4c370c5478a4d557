/**
 * A ring offer (`shm` in `$/hello`, docs/shared-memory.md) and how its receiver opens the file
 * without trusting the sender ("Checks" in that doc). The file will be mapped, and a mapping that
 * faults kills the process (SIGBUS); the path is opened with this process's rights, which may be
 * more than the sender's (a root daemon). So a receiver opens only:
 *
 * - a path `/proc/<pid>/fd/<fd>` whose pid is the connecting process itself, as the kernel reports
 *   it for the socket (SO_PEERCRED; no unix socket, no credentials: refused): never this process's
 *   descriptors on a stranger's say-so, nor another process's;
 * - first with O_PATH, which opens nothing (no device's open() runs, a FIFO cannot block): a regular
 *   file owned by the connecting user, on tmpfs (where memfds live: a hole reads as zeros, where on
 *   hugetlbfs it can fault), and only then for reading, through this process's own descriptor;
 * - sealed with F_SEAL_SHRINK and F_SEAL_SEAL (nobody can ever truncate it, nor unseal it; a file
 *   with no seals support reports -1, which is refused), of the announced size and key.
 *
 * Every refusal once the path is opened is the same sentence, `RING_REFUSED`: the sender learns
 * nothing about a file it could not open itself (whether it exists, its size, type or owner).
 * The reason stays here (`RingRefusal.failure`) for tests and diagnostics.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import type { ShmNative } from './native.js';
import type { PeerCredentials } from './peer-credentials.js';
import type { RingOffer } from '../../protocol/hello.js';

/** Smallest and largest ring a peer may offer (and this side may be told to make). */
export const MIN_RING_BYTES = 1024 * 1024;
export const MAX_RING_BYTES = 1024 * 1024 * 1024;
/** The key: a ring file's first bytes. */
export const KEY_BYTES = 16;

/** fcntl seals (linux/fcntl.h). */
export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
/** Seals an offered file must have: it can never shrink, and that can never change. */
export const REQUIRED_SEALS = F_SEAL_SHRINK | F_SEAL_SEAL;
/** statfs f_type of tmpfs/shmem, where memfds live (linux/magic.h). */
export const TMPFS_MAGIC = 0x01021994;
/** statfs f_type of hugetlbfs (memfd_create with MFD_HUGETLB): refused. */
export const HUGETLBFS_MAGIC = 0x958458f6;

export type { RingOffer };

/** What the peer is told for every check of the file itself: the same words whatever failed. */
export const RING_REFUSED =
  'ring offer refused: the path must be a descriptor of the connecting process itself, a memfd owned by the connecting user, ' +
  'sealed with F_SEAL_SHRINK and F_SEAL_SEAL, of the announced size and starting with the announced key';
/** Without a unix socket the kernel does not say who the peer is. */
export const NO_PEER_CREDENTIALS = 'ring offer refused: the shared-memory side channel needs a unix socket (the peer process is unknown)';
/** The path names a process that is not the connecting one. */
export const NOT_THE_PEERS_OWN = 'ring offer refused: the path must be /proc/<pid>/fd/<fd> of the connecting process itself';

/** Which check refused an offer: what the peer is told is `refused`. */
export type RingCheck = 'offer' | 'peer' | 'open' | 'not-regular' | 'owner' | 'file-system' | 'hugetlbfs' | 'seals' | 'size' | 'key' | 'map';

export interface RingRefusal {
  /** The words for the peer (nothing about the file: see the module comment). */
  readonly refused: string;
  /** The check that failed (never sent). */
  readonly failure: RingCheck;
}

/** Why `offer` is not a ring offer, or undefined. */
export function offerProblem(offer: unknown): string | undefined {
  if (typeof offer !== 'object' || offer === null) return 'the ring offer must be an object { path, bytes, key }';
  const o = offer as Record<string, unknown>;
  if (typeof o['path'] !== 'string' || !/^\/proc\/[1-9]\d{0,9}\/fd\/\d{1,10}$/.test(o['path'])) return 'the ring offer\'s "path" must be /proc/<pid>/fd/<fd>';
  const bytes = o['bytes'];
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < MIN_RING_BYTES || bytes > MAX_RING_BYTES) {
    return `the ring offer's "bytes" must be an integer from ${MIN_RING_BYTES} to ${MAX_RING_BYTES}`;
  }
  if (typeof o['key'] !== 'string' || !/^[0-9a-f]{32}$/.test(o['key'])) return 'the ring offer\'s "key" must be 32 lowercase hex digits';
  return undefined;
}

/** The check a file system fails (`fsType`: its statfs f_type, -1 unknown), or undefined for tmpfs. */
export function fileSystemProblem(fsType: number): RingCheck | undefined {
  if (fsType === HUGETLBFS_MAGIC) return 'hugetlbfs';
  return fsType === TMPFS_MAGIC ? undefined : 'file-system';
}

/** True when `seals` (F_GET_SEALS; negative: not a sealable file) has every seal a ring needs. */
export function sealedEnough(seals: number): boolean {
  return seals >= 0 && (seals & REQUIRED_SEALS) === REQUIRED_SEALS;
}

const refusal = (refused: string, failure: RingCheck): RingRefusal => ({ refused, failure });
const fileRefusal = (failure: RingCheck): RingRefusal => refusal(RING_REFUSED, failure);

/**
 * Opens the ring `offer` names for reading, after every check in the module comment: a readable
 * descriptor of it (the caller maps it and closes the descriptor), or why not.
 */
export function openOfferedRing(native: ShmNative, offer: unknown, peer: PeerCredentials | undefined): { fd: number } | RingRefusal {
  const problem = offerProblem(offer);
  if (problem !== undefined) return refusal(problem, 'offer');
  if (peer === undefined) return refusal(NO_PEER_CREDENTIALS, 'peer');
  const { path, bytes, key } = offer as RingOffer;
  if (Number(path.split('/')[2]) !== peer.pid) return refusal(NOT_THE_PEERS_OWN, 'peer');
  const pathFd = native.openPath(path);
  if (pathFd < 0) return fileRefusal('open');
  try {
    const named = fstatSync(pathFd, { bigint: true });
    if (!named.isFile()) return fileRefusal('not-regular');
    if (named.uid !== BigInt(peer.uid)) return fileRefusal('owner');
    const fs = fileSystemProblem(native.fsType(pathFd));
    if (fs !== undefined) return fileRefusal(fs);
    let fd: number;
    try {
      // A regular tmpfs file: opening it has no side effects. Through our own descriptor, so it
      // is the file just checked whatever the peer does with its descriptor meanwhile.
      fd = openSync(`/proc/self/fd/${pathFd}`, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch {
      return fileRefusal('open');
    }
    const failure = contentProblem(native, fd, named, bytes, key);
    if (failure === undefined) return { fd };
    closeSync(fd);
    return fileRefusal(failure);
  } catch {
    return fileRefusal('open');
  } finally {
    closeSync(pathFd);
  }
}

/** Seals first (then the size cannot shrink under the checks), then size and key. */
function contentProblem(native: ShmNative, fd: number, named: BigIntStats, bytes: number, key: string): RingCheck | undefined {
  try {
    if (!sealedEnough(native.seals(fd))) return 'seals';
    const st = fstatSync(fd, { bigint: true });
    if (st.dev !== named.dev || st.ino !== named.ino) return 'open';
    if (st.size !== BigInt(bytes)) return 'size';
    const head = Buffer.alloc(KEY_BYTES);
    if (readSync(fd, head, 0, KEY_BYTES, 0) !== KEY_BYTES || head.toString('hex') !== key) return 'key';
    return undefined;
  } catch {
    return 'open';
  }
}
