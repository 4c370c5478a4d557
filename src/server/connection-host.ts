/**
 * What a `Connection` (connection.ts) needs from its server: limits, timers, the method table,
 * the reserved `$/` handlers, and where to report errors and closes. The server implements it;
 * tests implement small ones.
 */
import type { Connection } from './connection.js';
import type { MethodTable } from './dispatch.js';
import type { ResolvedLimits } from './server-options.js';
import type { StreamCloseInfo } from '../stream/message-stream.js';
import type { Timers } from '../util/timers.js';
import type { ServerObserver } from '../observability/server-observer.js';
import type { Socket } from 'node:net';
import type { PeerIdentity } from '../protocol/client-info.js';

/** A reserved `$/` request handler. */
export type ReservedHandler = (params: unknown, conn: Connection) => unknown;

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** The required token, or undefined when none is. */
  token(): string | undefined;
  readonly limits: ResolvedLimits;
  readonly timers: Timers;
  /** True while the server is shutting down: new requests get -32005. */
  isClosing(): boolean;
  readonly methods: MethodTable;
  reserved(method: string): ReservedHandler | undefined;
  /** A handler threw something that is not a ResponseError. */
  reportError(err: unknown, where: { clientId: string; method: string }): void;
  /** The connection's stream closed. */
  connectionClosed(conn: Connection, info: StreamCloseInfo): void;
  /** Metrics, diagnostics channels and logging (absent: nothing is observed). */
  readonly observer?: ServerObserver;
  /** The kernel-verified peer of an accepted socket (docs/security.md "Peer identity"), when known. */
  peerOf?(socket: Socket): PeerIdentity | undefined;
}
