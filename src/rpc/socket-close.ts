/**
 * How a message stream (NDJSON or binary) ends its socket, shared by both.
 */
import type { Socket } from 'node:net';
import type { StreamCloseInfo } from './message-stream.js';
import type { TimerHandle, Timers } from './timers.js';

/**
 * Ends `socket` politely after the caller ended its writer: once our bytes are out when the peer
 * already sent EOF (nothing more can come from it) or `graceMs` is 0, else after `graceMs`.
 * Returns the grace timer, which the caller clears when the socket closes first.
 */
export function endSocketAfterGrace(socket: Socket, graceMs: number, timers: Timers): TimerHandle | undefined {
  if (graceMs === 0 || socket.readableEnded) {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
    return undefined;
  }
  return timers.setTimeout(() => socket.destroy(), graceMs);
}

/** The close info reported to handlers: `hadError` also when sidewire closed it for a reason. */
export function closeInfo(hadError: boolean, error: Error | undefined): StreamCloseInfo {
  return error === undefined ? { hadError } : { hadError: true, error };
}
