/**
 * One connection attempt of a client: open the byte stream, start a session, say `$/hello`.
 * Separate from `Client` so a reconnect loop can call it again.
 */
import { formatEndpoint } from '../endpoint/parse.js';
import { isSidewireError, createError } from '../errors.js';
import { connectTransport } from '../transport/connect.js';
import { PROTOCOL_VERSION, VERSION } from '../version.js';
import { CLIENT_DEFAULTS, type ClientOptions } from './client-options.js';
import { isNatsEndpoint, parseNatsEndpoint } from '../endpoint/nats-url.js';
import { checkService } from '../transport/nats/subjects.js';
import { NatsClientStream } from './nats-stream.js';
import { resolveClientTarget } from '../transport/client-target.js';
import { resolveSharedMemory } from '../transport/shm/shm-options.js';
import { BinaryStream } from '../stream/binary/binary-stream.js';
import { binaryHandshakeFailure, createClientStream, type ClientWireMode } from './client-stream.js';
import type { HelloResult } from '../protocol/hello.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { RpcSession, type SessionHandlers } from './rpc-session.js';
import { realTimers } from '../util/timers.js';

export interface Handshake {
  readonly session: RpcSession;
  readonly hello: HelloResult;
  /** The endpoint connected to, formatted. */
  readonly endpoint: string;
  /** The wire mode of the connection. */
  readonly mode: ClientWireMode;
}

/**
 * Connects and says hello (subscribing to `subscribe` in the same round trip).
 * @throws ConnectionError ERR_NOT_RUNNING / ERR_CONNECT / ERR_HANDSHAKE, TimeoutError ERR_TIMEOUT, EndpointError
 */
export async function handshake(options: ClientOptions, handlers: SessionHandlers, subscribe: readonly string[]): Promise<Handshake> {
  const mode = options.mode ?? CLIENT_DEFAULTS.mode;
  if (mode !== 'auto') return handshakeIn(mode, options, handlers, subscribe);
  try {
    return await handshakeIn('binary', options, handlers, subscribe);
  } catch (err) {
    // A server without binary mode closes such a connection without a byte: retry in JSON mode.
    if (!isSidewireError(err, 'ERR_HANDSHAKE') || err.details['binary'] !== 'unsupported') throw err;
    return handshakeIn('json', options, handlers, subscribe);
  }
}

async function handshakeIn(mode: ClientWireMode, options: ClientOptions, handlers: SessionHandlers, subscribe: readonly string[]): Promise<Handshake> {
  const timers = options.timers ?? realTimers;
  const timeoutMs = options.connectTimeoutMs ?? CLIENT_DEFAULTS.connectTimeoutMs;
  const maxMessageBytes = options.maxMessageBytes ?? CLIENT_DEFAULTS.maxMessageBytes;
  if (isNatsEndpoint(options.endpoint)) {
    // docs/nats.md: the same session over NATS instead of a socket (JSON only, no token, no shm)
    const nats = parseNatsEndpoint(options.endpoint);
    const service = checkService(options.service ?? options.app ?? 'sidewire');
    const stream = await NatsClientStream.open(nats, service, { nats: options.nats, maxMessageBytes, timeoutMs });
    return hello(stream, { endpoint: nats.url, mode: 'json', timeoutMs, timers, options, handlers, subscribe });
  }
  const target = resolveClientTarget(options);
  const endpoint = formatEndpoint(target.endpoint);
  const socket = options.transportFactory
    ? await options.transportFactory(target, { timeoutMs })
    : await connectTransport(target.endpoint, { timeoutMs });
  const stream = createClientStream(socket, mode, { timers, maxMessageBytes });
  const binary = stream instanceof BinaryStream ? stream : undefined;
  const shmSettings = binary === undefined ? undefined : resolveSharedMemory(options.sharedMemory);
  const shm = shmSettings === undefined ? undefined : binary?.offerSharedMemory(shmSettings);
  const session = new RpcSession(stream, handlers, { timers, endpoint });
  const client = options.client ?? { name: 'sidewire-client', version: VERSION };
  const params = {
    protocol: PROTOCOL_VERSION,
    client: { name: client.name, version: client.version, pid: process.pid, ppid: process.ppid },
    ...(target.token === undefined ? {} : { token: target.token }),
    ...(subscribe.length === 0 ? {} : { subscribe }),
    ...(shm === undefined ? {} : { shm }),
  };
  try {
    const hello = (await session.request('$/hello', params, { timeoutMs })) as HelloResult;
    const peerLimit = hello.capabilities['maxMessageBytes'];
    if (typeof peerLimit === 'number' && peerLimit > 0) stream.limitOutgoing?.(peerLimit);
    if (shm !== undefined) binary?.completeSharedMemory(hello.shm);
    return { session, hello, endpoint, mode };
  } catch (err) {
    const binary = binaryHandshakeFailure(stream, endpoint);
    session.close();
    if (binary !== undefined) throw binary;
    throw handshakeError(err, endpoint, timeoutMs, target.token !== undefined, target.discoveryPath);
  }
}

function handshakeError(err: unknown, endpoint: string, timeoutMs: number, hadToken: boolean, discoveryPath: string): Error {
  if (isSidewireError(err, 'ERR_TIMEOUT')) {
    return createError('ERR_TIMEOUT', `no reply to $/hello from ${endpoint} within ${timeoutMs} ms`, {
      cause: err,
      fixes: ['check that a sidewire server (not another program) listens there: `sidewire doctor`', 'or raise connectTimeoutMs'],
      details: { endpoint, timeoutMs },
    });
  }
  if (err instanceof ResponseError && err.code === ErrorCodes.Unauthorized) {
    return createError('ERR_HANDSHAKE', `the server at ${endpoint} refused the connection: ${err.message}`, {
      cause: err,
      fixes: hadToken
        ? [`the token is stale: the server restarted; re-read it from ${discoveryPath} (connect with the default endpoint does this)`]
        : [`pass the token from ${discoveryPath} ("token" field) as the token option`, 'or connect without an explicit endpoint so the discovery file is used'],
      details: { endpoint, serverError: err.toJSON() },
    });
  }
  if (err instanceof ResponseError) {
    const busy = err.code === ErrorCodes.Busy;
    return createError('ERR_HANDSHAKE', `the server at ${endpoint} rejected $/hello: ${err.message}`, {
      cause: err,
      fixes: busy ? ['retry later: the server is busy or shutting down'] : ['upgrade the client or the server so both speak protocol 1'],
      details: { endpoint, serverError: err.toJSON() },
    });
  }
  if (isSidewireError(err, 'ERR_CONNECTION_LOST')) {
    return createError('ERR_HANDSHAKE', `the server at ${endpoint} closed the connection during the handshake: ${err.message}`, {
      cause: err,
      fixes: [
        'if the server said it is busy, retry later or raise its limits.maxConnections',
        'check that a sidewire server (not another program) listens there: `sidewire doctor`',
      ],
      details: { endpoint, ...err.details },
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** `$/hello` over a NATS stream (nats-stream.ts): no token, no shared memory. */
async function hello(
  stream: NatsClientStream,
  how: { endpoint: string; mode: ClientWireMode; timeoutMs: number; timers: typeof realTimers; options: ClientOptions; handlers: SessionHandlers; subscribe: readonly string[] },
): Promise<Handshake> {
  const session = new RpcSession(stream, how.handlers, { timers: how.timers, endpoint: how.endpoint });
  const client = how.options.client ?? { name: 'sidewire-client', version: VERSION };
  const params = {
    protocol: PROTOCOL_VERSION,
    client: { name: client.name, version: client.version, pid: process.pid, ppid: process.ppid },
    ...(how.subscribe.length === 0 ? {} : { subscribe: how.subscribe }),
  };
  try {
    const result = (await session.request('$/hello', params, { timeoutMs: how.timeoutMs })) as HelloResult;
    return { session, hello: result, endpoint: how.endpoint, mode: how.mode };
  } catch (err) {
    session.close();
    if (err instanceof ResponseError && (err.data as { noResponders?: unknown } | undefined)?.noResponders === true) {
      throw createError('ERR_NOT_RUNNING', `${err.message} (${how.endpoint})`, {
        cause: err,
        fixes: [`start one: sidewire serve --endpoint ${how.endpoint} --service ${String((err.data as { service?: unknown }).service)}`, 'or check --service'],
        details: { endpoint: how.endpoint },
      });
    }
    throw handshakeError(err, how.endpoint, how.timeoutMs, false, '(none: NATS endpoints have no discovery file)');
  }
}
