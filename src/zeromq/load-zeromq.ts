/**
 * zeromq.js, loaded on first use (docs/zeromq.md "Installing"). It is an optional peer dependency
 * of sidewire: importing `sidewire/zeromq` costs nothing until a ZeroMQ endpoint is attached, and
 * without zeromq.js installed attaching one throws ERR_DEPENDENCY_MISSING saying what to install.
 * zeromq.js does not work under Bun: it loads, but its first socket operation needs libuv's
 * `uv_poll_init_socket`, which Bun lacks, and the process panics. So under Bun the same error is
 * thrown up front (saying to run the server under Node.js) instead of a crash.
 *
 * Only the few members sidewire uses are typed here (`ZmqModule`), so sidewire's published types
 * do not depend on zeromq.js being installed.
 */
import { createRequire } from 'node:module';
import { createError } from '../errors.js';

/** One message as zeromq.js takes it: a frame, or several. */
export type ZmqFrames = ReadonlyArray<string | Buffer>;

/** The members of a zeromq.js socket that sidewire uses. */
export interface ZmqSocket extends AsyncIterable<Buffer[]> {
  bind(address: string): Promise<void>;
  send(message: ZmqFrames): Promise<void>;
  close(): void;
  readonly closed: boolean;
  readonly lastEndpoint: string | null;
}

/** Socket options sidewire sets (zeromq.js names). */
export interface ZmqSocketOptions {
  /** ZMQ_MAXMSGSIZE: a peer sending a larger message is disconnected. */
  readonly maxMessageSize?: number;
  /** ZMQ_LINGER: how long unsent messages are kept after close. */
  readonly linger?: number;
  /** ZMQ_SNDHWM: messages queued per peer before sends block (PUB: drops). */
  readonly sendHighWaterMark?: number;
  /** ZMQ_ROUTER_MANDATORY (ROUTER only): a reply to a gone peer fails instead of vanishing. */
  readonly mandatory?: boolean;
}

type SocketClass = new (options?: ZmqSocketOptions) => ZmqSocket;

/** The zeromq.js classes sidewire uses. */
export interface ZmqModule {
  readonly Reply: SocketClass;
  readonly Router: SocketClass;
  readonly Publisher: SocketClass;
}

let loaded: ZmqModule | undefined;

/** True when running under Bun, where zeromq.js crashes on first use. */
function underBun(): boolean {
  return typeof (process.versions as Record<string, string | undefined>)['bun'] === 'string';
}

/**
 * The zeromq.js module.
 * @throws SidewireError ERR_DEPENDENCY_MISSING when zeromq.js is not installed, or under Bun
 */
export function zeromq(): ZmqModule {
  if (loaded !== undefined) return loaded;
  if (underBun()) {
    throw createError('ERR_DEPENDENCY_MISSING', 'ZeroMQ endpoints need zeromq.js, which does not work under Bun (Bun lacks the libuv polling it uses, and the process would crash)', {
      fixes: ['run this server under Node.js (node >= 20) with zeromq installed: npm install zeromq@^6.8.0', 'or serve Bun peers on the sidewire endpoint itself (JSON, binary or text mode)'],
      details: { dependency: 'zeromq', runtime: 'bun' },
    });
  }
  try {
    loaded = createRequire(import.meta.url)('zeromq') as ZmqModule;
  } catch (err) {
    if (!isMissing(err)) throw err;
    throw createError('ERR_DEPENDENCY_MISSING', 'ZeroMQ endpoints need zeromq.js, an optional peer dependency of sidewire that is not installed', {
      fixes: ['install it in your application: npm install zeromq@^6.8.0', 'or leave the ZeroMQ endpoint off (no --zeromq, no attachZeroMQ)'],
      details: { dependency: 'zeromq' },
      cause: err,
    });
  }
  return loaded;
}

/** The require failed because zeromq itself is not installed (not one of its own imports). */
function isMissing(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e !== null && typeof e === 'object' && e.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.startsWith("Cannot find module 'zeromq'");
}
