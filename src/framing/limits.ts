/**
 * Size limits shared by the decoders (docs/protocol.md §4: max message size, default 16 MiB).
 */
import { createError } from '../errors.js';

/** Default limit of one message (JSON line or binary frame): 16 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Largest length a binary frame header can carry (u32). */
export const MAX_FRAME_LENGTH = 0xffff_ffff;

/**
 * Returns `value` (or the default when undefined) after checking it is a usable byte limit:
 * an integer from 1 to 2^32 - 1. Throws `ERR_INVALID_ARGUMENT` otherwise.
 */
export function resolveByteLimit(option: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_MESSAGE_BYTES;
  if (Number.isInteger(value) && value >= 1 && value <= MAX_FRAME_LENGTH) return value;
  throw createError('ERR_INVALID_ARGUMENT', `${option} must be an integer from 1 to ${MAX_FRAME_LENGTH}, got ${String(value)}`, {
    fixes: [`Pass a byte count such as ${option}: ${DEFAULT_MAX_MESSAGE_BYTES} (16 MiB, the default), or leave it unset.`],
    details: { option, value: String(value) },
  });
}
