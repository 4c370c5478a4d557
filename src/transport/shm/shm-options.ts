/**
 * The `sharedMemory` option of clients and servers (docs/shared-memory.md): whether binary-mode
 * connections may move large frames through a shared ring file instead of the socket, and how.
 */
import { SidewireError, createError } from '../../errors.js';
import { MAX_RING_BYTES, MIN_RING_BYTES } from './shared-ring.js';

export interface SharedMemoryOptions {
  /**
   * Size of the ring file this side writes its large frames into, per connection (a sparse file
   * on tmpfs: memory is used only as far as frames were written into it). A frame bigger than the
   * ring's free room goes over the socket.
   * @default 16777216 (16 MiB)
   */
  readonly ringBytes?: number;
  /**
   * Frames at least this big (header included) go through the ring; smaller ones over the socket.
   * @default 65536 (64 KiB)
   */
  readonly minFrameBytes?: number;
}

/** `true`: on with the defaults; `false`: off; or the settings. */
export type SharedMemoryOption = boolean | SharedMemoryOptions;

export interface SharedMemorySettings {
  readonly ringBytes: number;
  readonly minFrameBytes: number;
}

export const DEFAULT_RING_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MIN_FRAME_BYTES = 64 * 1024;
/** Below this a ring frame saves nothing over the socket (and its 12-byte indirect frame must fit). */
const MIN_MIN_FRAME_BYTES = 4096;

/**
 * The settings for `option` (undefined and `true` = the defaults), or undefined when it is `false`.
 * @throws SidewireError ERR_INVALID_ARGUMENT for a value out of range
 */
export function resolveSharedMemory(option: SharedMemoryOption | undefined): SharedMemorySettings | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === true) return { ringBytes: DEFAULT_RING_BYTES, minFrameBytes: DEFAULT_MIN_FRAME_BYTES };
  if (typeof option !== 'object' || option === null) throw invalid('sharedMemory', option, 'true, false or { ringBytes, minFrameBytes }');
  const ringBytes = option.ringBytes ?? DEFAULT_RING_BYTES;
  const minFrameBytes = option.minFrameBytes ?? DEFAULT_MIN_FRAME_BYTES;
  if (!Number.isInteger(ringBytes) || ringBytes < MIN_RING_BYTES || ringBytes > MAX_RING_BYTES) {
    throw invalid('sharedMemory.ringBytes', ringBytes, `an integer from ${MIN_RING_BYTES} (1 MiB) to ${MAX_RING_BYTES} (1 GiB)`);
  }
  if (!Number.isInteger(minFrameBytes) || minFrameBytes < MIN_MIN_FRAME_BYTES) {
    throw invalid('sharedMemory.minFrameBytes', minFrameBytes, `an integer of at least ${MIN_MIN_FRAME_BYTES}`);
  }
  return { ringBytes, minFrameBytes };
}

function invalid(option: string, value: unknown, expected: string): SidewireError {
  return createError('ERR_INVALID_ARGUMENT', `${option} must be ${expected}, got ${String(value)}`, {
    fixes: [`Pass ${expected} as ${option}, or leave it unset for the default.`],
    details: { option, value: String(value) },
  });
}
