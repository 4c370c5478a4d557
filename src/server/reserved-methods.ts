/**
 * The reserved `$/` request methods of docs/protocol.md §4: `$/hello`, `$/ping`, `$/subscribe`,
 * `$/unsubscribe`. (`$/cancel` is a notification, handled by the connection.)
 */
import type { ResolvedLimits } from './server-options.js';
import { PROTOCOL_VERSION } from '../version.js';
import type { SharedMemorySettings } from '../transport/shm/shm-options.js';
import { BinaryStream } from '../stream/binary/binary-stream.js';
import type { HelloResult, ShmHelloReply } from '../protocol/hello.js';
import { tokensEqual } from '../transport/token.js';
import type { HelloClientInfo, PeerIdentity } from '../protocol/client-info.js';
import type { Connection } from './connection.js';
import type { ReservedHandler } from './connection-host.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import type { Timers } from '../util/timers.js';

export interface ReservedMethodsDeps {
  /** The required token, read per hello (undefined: none required). */
  readonly token: () => string | undefined;
  readonly server: { readonly name: string; readonly version: string };
  /** Computed per hello so it reflects current settings. */
  readonly capabilities: () => Record<string, unknown>;
  readonly timers: Timers;
  /** Shared-memory settings, or undefined when the server refuses every offer. */
  readonly sharedMemory: SharedMemorySettings | undefined;
}

function invalid(message: string, data?: unknown): ResponseError {
  return new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${message}`, data);
}

function asObject(params: unknown, method: string, example: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid(`${method} takes an object, e.g. ${example}`);
  }
  return params as Record<string, unknown>;
}

function topicsParam(params: unknown, method: string): unknown[] {
  const p = asObject(params, method, '{ "topics": ["build.*"] }');
  return topicList(p['topics'], method);
}

/** The list itself; each topic is checked, under limits.maxSubscriptions, by subscriptions.ts. */
function topicList(value: unknown, method: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${method} needs "topics": an array of strings, e.g. ["build.*"]`);
  return value;
}

/**
 * What the client says about itself, with the kernel's word in place of its claims where the
 * connection has a verified peer (docs/security.md "Peer identity"): `pid` and `uid` are the
 * peer's, whatever the client sent.
 */
function clientInfo(value: unknown, peer: PeerIdentity | undefined): HelloClientInfo | undefined {
  const claimed = claimedInfo(value);
  if (peer === undefined) return claimed;
  return { ...claimed, pid: peer.pid, uid: peer.uid };
}

function claimedInfo(value: unknown): HelloClientInfo | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('"client" must be an object { name, version }');
  const c = value as Record<string, unknown>;
  const out: { name?: string; version?: string; pid?: number; ppid?: number } = {};
  if (typeof c['name'] === 'string') out.name = c['name'].slice(0, 200);
  if (typeof c['version'] === 'string') out.version = c['version'].slice(0, 100);
  if (Number.isSafeInteger(c['pid'])) out.pid = c['pid'] as number;
  if (Number.isSafeInteger(c['ppid'])) out.ppid = c['ppid'] as number;
  return out;
}

/** The hello reply to a client's ring offer: only binary connections of a server that allows it. */
function acceptSharedMemory(conn: Connection, offer: unknown, settings: SharedMemorySettings | undefined): ShmHelloReply {
  if (settings === undefined) return { accepted: false, reason: 'this server has the shared-memory side channel turned off (sharedMemory: false)' };
  if (!(conn.stream instanceof BinaryStream)) return { accepted: false, reason: 'the shared-memory side channel needs binary mode' };
  return conn.stream.acceptSharedMemory(offer, settings);
}

/** The reserved request handlers, keyed by method name. */
export function createReservedMethods(deps: ReservedMethodsDeps): Map<string, ReservedHandler> {
  const hello = (params: unknown, conn: Connection): HelloResult => {
    const p = asObject(params, '$/hello', '{ "protocol": 1 }');
    if (p['protocol'] !== PROTOCOL_VERSION) {
      throw invalid(`unsupported protocol ${JSON.stringify(p['protocol'])}: this server speaks protocol 1; send { "protocol": 1 }`, {
        supported: [PROTOCOL_VERSION],
      });
    }
    const token = deps.token();
    if (token !== undefined && !tokensEqual(p['token'], token)) {
      throw new ResponseError(
        ErrorCodes.Unauthorized,
        p['token'] === undefined
          ? 'unauthorized: this endpoint requires a token (read it from the discovery file)'
          : 'unauthorized: wrong token (the server restarted? re-read the discovery file)',
      );
    }
    const client = clientInfo(p['client'], conn.peer);
    const subscribe = p['subscribe'] === undefined ? [] : topicList(p['subscribe'], '$/hello "subscribe"');
    conn.subscribe(subscribe); // first: a refused list (bad topic, over the limit) leaves the connection as it was
    conn.authenticated = true;
    conn.helloDone = true;
    if (client !== undefined) conn.client = client;
    const shm = p['shm'] === undefined ? undefined : acceptSharedMemory(conn, p['shm'], deps.sharedMemory);
    return {
      protocol: PROTOCOL_VERSION,
      clientId: conn.clientId,
      pid: process.pid,
      ppid: process.ppid,
      server: deps.server,
      capabilities: deps.capabilities(),
      ...(shm === undefined ? {} : { shm }),
    };
  };
  return new Map<string, ReservedHandler>([
    ['$/hello', hello],
    ['$/ping', () => ({ time: deps.timers.now() })],
    ['$/subscribe', (params, conn) => ({ topics: conn.subscribe(topicsParam(params, '$/subscribe')) })],
    ['$/unsubscribe', (params, conn) => ({ topics: conn.unsubscribe(topicsParam(params, '$/unsubscribe')) })],
  ]);
}

/** The `capabilities` of `$/hello` (docs/protocol.md "Capabilities"). */
export function serverCapabilities(limits: Pick<ResolvedLimits, 'maxMessageBytes' | 'maxInFlight' | 'requestTimeoutMs'>, text: boolean, sharedMemory: boolean): Record<string, unknown> {
  return {
    modes: text ? ['json', 'binary', 'lsp', 'text'] : ['json', 'binary', 'lsp'],
    batch: true,
    cancel: true,
    subscribe: true,
    maxMessageBytes: limits.maxMessageBytes,
    maxInFlight: limits.maxInFlight,
    requestTimeoutMs: limits.requestTimeoutMs,
    sharedMemory,
  };
}
