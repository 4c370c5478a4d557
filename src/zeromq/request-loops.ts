/**
 * The receive loops of the request socket (docs/zeromq.md "REP or ROUTER"):
 *
 * - REP: one request at a time, strictly request → reply (ZeroMQ's REQ/REP lockstep); all peers
 *   share one `ZeroMQPeer` (one clientId), as they share the socket.
 * - ROUTER: every request runs as it arrives, concurrently; each peer (ZeroMQ routing id) is a
 *   `ZeroMQPeer` of its own while it has requests in flight, so request ids are per peer, as on a
 *   sidewire connection. REQ peers send `[id, '', body]`, DEALER peers `[id, body]`; the reply
 *   goes back in the same envelope. At `maxInFlight` requests over all peers, one more is answered
 *   -32005 at once.
 *
 * A message of another shape (several body frames) is answered -32600.
 */
import { errorMessage } from '../protocol/message.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { ZmqSocket } from './load-zeromq.js';
import { SendQueue } from './send-queue.js';
import { answer, ZeroMQPeer, type Answerer } from './zeromq-requests.js';

/** The state the loops share with their endpoint (for close). */
export interface LoopState extends Answerer {
  /** Peers with requests in flight. */
  readonly peers: Set<ZeroMQPeer>;
  /** True once close began: the loops stop taking requests. */
  closing: boolean;
  /** Requests being answered. */
  inFlight: number;
  /** Called whenever `inFlight` drops. */
  settled(): void;
}

const ONE_FRAME = JSON.stringify(errorMessage(null, { code: ErrorCodes.InvalidRequest, message: 'invalid request: a request is one frame of JSON' }));

const BUSY_CLOSING = JSON.stringify(errorMessage(null, { code: ErrorCodes.Busy, message: 'server busy: shutting down' }));

/** The reply frame for `body`, never throwing (a failing `plain.reply` is an internal error). */
async function replyFor(body: Buffer | undefined, peer: ZeroMQPeer, state: LoopState): Promise<string> {
  if (body === undefined) return ONE_FRAME;
  if (state.closing) return BUSY_CLOSING;
  try {
    return await answer(body, peer, state);
  } catch (err) {
    state.port.reportError(err, { clientId: peer.clientId, method: 'plain.reply' });
    return JSON.stringify(errorMessage(null, { code: ErrorCodes.InternalError, message: 'internal error: the reply could not be built' }));
  }
}

/** Serves a REP socket until it closes. */
export async function serveReply(socket: ZmqSocket, state: LoopState): Promise<void> {
  const peer = new ZeroMQPeer(state.port);
  state.peers.add(peer);
  try {
    for await (const frames of socket) {
      state.inFlight++;
      let reply: string;
      try {
        reply = await replyFor(frames.length === 1 ? frames[0] : undefined, peer, state);
      } finally {
        state.inFlight--;
      }
      if (socket.closed) break;
      await socket.send([reply]);
      state.settled();
    }
  } catch (err) {
    if (!state.closing) throw err;
  } finally {
    state.peers.delete(peer);
    state.port.releaseClientId(peer.clientId);
  }
}

/** Splits a ROUTER message into its envelope (routing id, and the empty delimiter of a REQ peer) and body. */
function split(frames: Buffer[]): { envelope: Buffer[]; body: Buffer | undefined } | undefined {
  const [id, second, third] = frames;
  if (id === undefined) return undefined;
  if (second !== undefined && second.length === 0) return { envelope: [id, second], body: frames.length === 3 ? third : undefined };
  return { envelope: [id], body: frames.length === 2 ? second : undefined };
}

/** Serves a ROUTER socket until it closes; replies go through `queue`. */
export async function serveRouter(socket: ZmqSocket, queue: SendQueue, maxInFlight: number, state: LoopState): Promise<void> {
  const byId = new Map<string, { peer: ZeroMQPeer; pending: number }>();
  const busy = JSON.stringify(errorMessage(null, { code: ErrorCodes.Busy, message: `server busy: ${maxInFlight} requests in flight on this ZeroMQ endpoint (maxInFlight)` }));
  try {
    for await (const frames of socket) {
      if (state.closing) break;
      const parts = split(frames);
      if (parts === undefined) continue;
      if (state.inFlight >= maxInFlight) {
        queue.push([...parts.envelope, busy]);
        continue;
      }
      const key = (parts.envelope[0] as Buffer).toString('hex');
      let entry = byId.get(key);
      if (entry === undefined) {
        entry = { peer: new ZeroMQPeer(state.port), pending: 0 };
        byId.set(key, entry);
        state.peers.add(entry.peer);
      }
      const mine = entry;
      mine.pending++;
      state.inFlight++;
      void replyFor(parts.body, mine.peer, state).then((reply) => {
        state.inFlight--;
        if (--mine.pending === 0) {
          byId.delete(key);
          state.peers.delete(mine.peer);
          state.port.releaseClientId(mine.peer.clientId);
        }
        queue.push([...parts.envelope, reply]);
        state.settled();
      });
    }
  } catch (err) {
    if (!state.closing) throw err;
  }
}
