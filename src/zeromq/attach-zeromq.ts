/**
 * `attachZeroMQ(server, options)`: ZeroMQ endpoints next to a sidewire server (docs/zeromq.md).
 * A REP or ROUTER socket serves the server's method table to REQ/DEALER peers (request-loops.ts,
 * zeromq-requests.ts); a PUB socket sends every event the server publishes or broadcasts to SUB
 * peers as two frames, the topic and the JSON payload. Endpoints are validated
 * (zeromq-address.ts) before zeromq.js is loaded, and bound without ever displacing a live server
 * (zeromq-bind.ts).
 */
import { createError } from '../errors.js';
import type { Server } from '../server/server.js';
import type { ServiceShape } from '../protocol/service.js';
import { zeromq, type ZmqSocket } from './load-zeromq.js';
import { serveReply, serveRouter, type LoopState } from './request-loops.js';
import { SendQueue } from './send-queue.js';
import { bindZeroMQ, type BoundZeroMQ } from './zeromq-bind.js';
import { resolveZeroMQAddress, type ResolvedZeroMQAddress } from './zeromq-address.js';
import { resolveZeroMQOptions, type ResolvedZeroMQOptions, type ZeroMQOptions } from './zeromq-options.js';

export interface ZeroMQCloseOptions {
  /**
   * How long requests in flight may still run before they are answered -32005 and aborted.
   * @default 5000
   */
  readonly deadlineMs?: number;
}

/** ZeroMQ endpoints attached to a server. */
export interface ZeroMQAttachment {
  /** Where REQ/DEALER peers connect (`tcp://` with the real port), or undefined without `endpoint`. */
  readonly endpoint: string | undefined;
  /** Where SUB peers connect, or undefined without `publish`. */
  readonly publishEndpoint: string | undefined;
  /** E.g. an allowed non-loopback TCP host. */
  readonly warnings: readonly string[];
  /** Events the PUB socket dropped (its queue was full). */
  readonly droppedEvents: number;
  /** Stops taking requests, lets those in flight finish (up to the deadline), closes the sockets and removes their `ipc://` files. */
  close(options?: ZeroMQCloseOptions): Promise<void>;
}

/** Linger of the sockets on close: time for the last replies to leave. */
const LINGER_MS = 1000;

/**
 * Binds the ZeroMQ endpoints of `options` and serves `server`'s methods and events on them.
 * @throws SidewireError ERR_INVALID_ARGUMENT (options), ERR_DEPENDENCY_MISSING (no zeromq.js, or
 *   Bun), EndpointError ERR_ENDPOINT_* (a bad endpoint, or a live server already there)
 */
export async function attachZeroMQ<S extends ServiceShape>(server: Server<S>, options: ZeroMQOptions): Promise<ZeroMQAttachment> {
  const port = server.adapterPort();
  const opts = resolveZeroMQOptions(options, port);
  const request = opts.endpoint === undefined ? undefined : resolveZeroMQAddress(opts.endpoint, { ...opts, what: 'ZeroMQ endpoint' });
  const publish = opts.publish === undefined ? undefined : resolveZeroMQAddress(opts.publish, { ...opts, what: 'ZeroMQ publish endpoint' });
  if (request !== undefined && publish !== undefined && request.address === publish.address && !request.address.endsWith(':*')) {
    throw createError('ERR_INVALID_ARGUMENT', `the ZeroMQ request and publish endpoints are both ${request.address}; they need one each`, {
      fixes: ['give publish another path or port, e.g. ipc:///tmp/app-pub.sock or tcp://127.0.0.1:5556'],
      details: { option: 'publish', value: opts.publish },
    });
  }
  const zmq = zeromq();
  const sockets: ZmqSocket[] = [];
  const bound: BoundZeroMQ[] = [];
  const fail = (err: unknown): never => {
    for (const s of sockets) s.close();
    for (const b of bound) b.release();
    throw err;
  };
  const bindOne = async (socket: ZmqSocket, where: ResolvedZeroMQAddress): Promise<string> => {
    sockets.push(socket);
    const b = await bindZeroMQ(socket, where, opts).catch(fail);
    bound.push(b);
    return b.address;
  };
  const state: LoopState = { port, plain: opts.plain, peers: new Set(), closing: false, inFlight: 0, settled: () => undefined };
  let requestSocket: ZmqSocket | undefined;
  let requestEndpoint: string | undefined;
  let replies: SendQueue | undefined;
  if (request !== undefined) {
    const Socket = opts.socket === 'router' ? zmq.Router : zmq.Reply;
    requestSocket = new Socket({ maxMessageSize: opts.maxMessageBytes, linger: LINGER_MS });
    requestEndpoint = await bindOne(requestSocket, request);
    if (opts.socket === 'router') replies = new SendQueue(requestSocket, opts.maxInFlight * 2);
  }
  let events: SendQueue | undefined;
  let publishEndpoint: string | undefined;
  let untap = (): void => undefined;
  if (publish !== undefined) {
    const pub = new zmq.Publisher({ linger: 0 });
    publishEndpoint = await bindOne(pub, publish);
    const queue = new SendQueue(pub, opts.maxQueuedEvents);
    events = queue;
    untap = port.onEvent((topic, data) => {
      let payload: string;
      try {
        payload = JSON.stringify(data ?? null);
      } catch (err) {
        port.reportError(err, { clientId: 'zeromq-pub', method: topic });
        return;
      }
      queue.push([topic, payload]);
    });
  }
  const loop = requestSocket === undefined ? Promise.resolve() : startLoop(requestSocket, replies, opts, state, port);
  return new Attachment(requestEndpoint, publishEndpoint, [...(request?.warnings ?? []), ...(publish?.warnings ?? [])], { sockets, bound, state, replies, events, untap, loop });
}

function startLoop(socket: ZmqSocket, replies: SendQueue | undefined, opts: ResolvedZeroMQOptions, state: LoopState, port: ReturnType<Server['adapterPort']>): Promise<void> {
  const running = replies === undefined ? serveReply(socket, state) : serveRouter(socket, replies, opts.maxInFlight, state);
  return running.catch((err: unknown) => port.reportError(err, { clientId: 'zeromq', method: 'receive' }));
}

interface Parts {
  readonly sockets: ZmqSocket[];
  readonly bound: BoundZeroMQ[];
  readonly state: LoopState;
  readonly replies: SendQueue | undefined;
  readonly events: SendQueue | undefined;
  readonly untap: () => void;
  readonly loop: Promise<void>;
}

class Attachment implements ZeroMQAttachment {
  private closed: Promise<void> | undefined;
  /**
   * A pending zeromq.js receive does not keep Node running; a bound endpoint should, as a
   * listening net.Server does. This timer (ref'd on purpose, never fires in practice) does, until close.
   */
  private readonly keepAlive = setInterval(() => undefined, 2 ** 30);

  constructor(
    readonly endpoint: string | undefined,
    readonly publishEndpoint: string | undefined,
    readonly warnings: readonly string[],
    private readonly parts: Parts,
  ) {}

  get droppedEvents(): number {
    return this.parts.events?.dropped ?? 0;
  }

  close(options: ZeroMQCloseOptions = {}): Promise<void> {
    this.closed ??= this.shutDown(options.deadlineMs ?? 5000);
    return this.closed;
  }

  private async shutDown(deadlineMs: number): Promise<void> {
    const { state, sockets, bound } = this.parts;
    clearInterval(this.keepAlive);
    state.closing = true;
    this.parts.untap();
    await this.quiet(deadlineMs);
    for (const peer of state.peers) peer.runner.abortAll(-32005, 'server busy: shutting down');
    await this.parts.replies?.idle();
    for (const s of sockets) s.close();
    await this.parts.loop;
    for (const b of bound) b.release();
  }

  /** Resolves when no request is in flight, or after `deadlineMs`. */
  private quiet(deadlineMs: number): Promise<void> {
    const { state } = this.parts;
    if (state.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, deadlineMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        state.settled = () => undefined;
        resolve();
      }
      state.settled = () => {
        if (state.inFlight === 0) done();
      };
    });
  }
}
