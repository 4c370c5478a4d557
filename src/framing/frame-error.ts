/**
 * What the framing layer reports when a message cannot be decoded. Plain data, not an `Error`:
 * the decoders report it through `onError` and carry on (or stop, for binary `too-large`), and
 * the RPC layer maps it to a JSON-RPC error (-32700 parse error, -32004 message too large).
 */

/**
 * - `parse`: the bytes are not a valid message (not JSON, not MessagePack).
 * - `too-large`: a message is over the configured size limit.
 * - `encoding`: the bytes of a JSON line are not valid UTF-8.
 * - `over-budget`: an incomplete message could not be held: the decoder's `budget` (a server's
 *   cap on bytes held for incomplete messages across connections) refused it.
 * - `invalid`: the message decoded but holds what the protocol refuses (a `__proto__` key, a
 *   MessagePack key that is not a string or an unknown extension type): -32600 with `id`.
 */
export type FrameErrorKind = 'parse' | 'too-large' | 'encoding' | 'over-budget' | 'invalid';

export interface FrameError {
  readonly kind: FrameErrorKind;
  /** What failed and why, one line, safe to show to the peer (no stack trace). */
  readonly message: string;
  /** Size involved: the line/frame length, or the bytes seen so far of an oversized line. */
  readonly bytes?: number;
  /** `invalid` only: the id of the request that held it (null when not one request with an id). */
  readonly id?: string | number | null;
}

/** Builds a `FrameError` (omits `bytes` when not given). */
export function frameError(kind: FrameErrorKind, message: string, bytes?: number): FrameError {
  return bytes === undefined ? { kind, message } : { kind, message, bytes };
}
