/**
 * Ends a socket we will not serve (over a limit, a refused preface, a deadline): the reply is
 * written, input is discarded, and a peer that lingers is destroyed (docs/protocol.md).
 */
import type { Socket } from 'node:net';
import type { Timers } from '../util/timers.js';

/** How long a rejected or unwanted socket may linger after our reply before it is destroyed. */
const LINGER_MS = 1000;

/** Ends `socket` after writing `reply`, discarding its input; destroys it if the peer lingers. */
export function endPolitely(socket: Socket, timers: Timers, reply?: string | Buffer): void {
  socket.on('error', () => undefined);
  socket.resume();
  if (socket.destroyed) return;
  if (reply === undefined) socket.end();
  else socket.end(reply);
  const t = timers.setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => timers.clearTimeout(t));
}
