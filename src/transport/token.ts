/**
 * Per-start client tokens (docs/protocol.md §2): 32 random bytes, hex. A TCP server requires one by
 * default; it is published only in the discovery file and compared in constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a token (the hex string is twice as long). */
export const TOKEN_BYTES = 32;

/** A fresh token: 64 lowercase hex characters. */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('hex');
}

/**
 * True when `presented` is a string equal to `expected`, compared in constant time.
 * Anything that is not a string, or has a different length, is false (never throws).
 */
export function tokensEqual(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
