/**
 * How a `Server` takes in a socket (docs/protocol.md §3): destroyed while the server closes, answered
 * busy at the connection limit, else tracked until it closes and routed by its wire mode (closed
 * when it sends nothing within `firstByteTimeoutMs`). JSON and binary sockets become
 * `Connection`s, registered by client id until their stream closes, their incomplete messages
 * held within the server's `maxBufferedBytes` (docs/protocol.md "Limits"); text and custom modes
 * go to their handlers.
 */
import type { Socket } from 'node:net';
import type { ServerObserver } from '../observability/server-observer.js';
import type { ServerTextMode } from './server-text-mode.js';
import { SharedReceiveBudget, type ConnectionReceiveBudget } from '../framing/receive-budget.js';
import { acceptBinaryPreface } from '../stream/binary/binary-preface.js';
import { BinaryStream } from '../stream/binary/binary-stream.js';
import type { ClientInfo, PeerIdentity } from '../protocol/client-info.js';
import { readPeerIdentity } from '../transport/peer-identity.js';
import type { PeerCheck } from './access-policy.js';
import { newClientId } from './client-id.js';
import { Connection } from './connection.js';
import type { ConnectionHost } from './connection-host.js';
import { busyLine, routeConnection, type ModeHandlers } from './connection-router.js';
import { endPolitely } from '../stream/end-politely.js';
import type { MessageStream, StreamCloseInfo } from '../stream/message-stream.js';
import { NdjsonStream } from '../stream/json/ndjson-stream.js';
import { LspStream } from '../stream/lsp/lsp-stream.js';
import type { ServerOptions } from './server-options.js';

/** What the acceptor needs from its server. */
export interface AcceptorHost {
  /** The view of the server that connections get (limits, timers, closing flag). */
  readonly connection: ConnectionHost;
  readonly observer: ServerObserver;
  /** Where the `modeHandlers` option is read from. */
  readonly options: Pick<ServerOptions, 'modeHandlers'>;
  /** The resolved `allow` policy (access-policy.ts); undefined: every peer may connect. */
  readonly allow: PeerCheck | undefined;
  readonly text: ServerTextMode;
  /** The server's JSON/binary connections by client id. */
  readonly conns: Map<string, Connection>;
  /** The server's sockets accepted and not yet closed, in any mode. */
  readonly sockets: Set<Socket>;
  /** A connection started and is still registered: the server emits `connect`. */
  connected(client: ClientInfo): void;
  /** A registered connection closed: the server emits `disconnect`. */
  disconnected(client: ClientInfo, info: StreamCloseInfo): void;
}

export class ConnectionAcceptor {
  private readonly server: AcceptorHost;
  private readonly host: ConnectionHost;
  /** Bytes of incomplete incoming messages, all connections together (`limits.maxBufferedBytes`). */
  private readonly budget: SharedReceiveBudget;
  /** The kernel-verified peer of each accepted socket that has one (docs/security.md "Peer identity"). */
  private readonly peers = new WeakMap<Socket, PeerIdentity>();

  constructor(server: AcceptorHost) {
    this.server = server;
    this.host = server.connection;
    this.budget = new SharedReceiveBudget(this.host.limits.maxBufferedBytes);
  }

  /** Bytes held for incomplete incoming messages right now, all connections together. */
  get incomingBufferedBytes(): number {
    return this.budget.held;
  }

  accept(socket: Socket): void {
    const { limits, timers } = this.host;
    socket.on('error', () => undefined); // errors surface as 'close'; never crash the server
    // Keep our side writable after the peer's EOF, so `printf '{...}\n' | socat - UNIX:...` gets its reply.
    socket.allowHalfOpen = true;
    if (this.host.isClosing()) {
      socket.destroy();
      return;
    }
    if (!this.admitPeer(socket)) return;
    if (this.server.sockets.size >= limits.maxConnections) {
      this.server.observer.connectionRefused('limit', { limit: limits.maxConnections });
      endPolitely(socket, timers, busyLine(limits.maxConnections));
      return;
    }
    this.server.sockets.add(socket);
    socket.once('close', () => this.server.sockets.delete(socket));
    const acceptedAt = timers.now();
    // A connection that sends nothing never becomes a Connection, so the hello, idle and auth
    // deadlines bound the wait for its first byte too.
    const { firstByteTimeoutMs, helloTimeoutMs, idleTimeoutMs, authTimeoutMs } = limits;
    const auth = this.host.token() === undefined ? 0 : authTimeoutMs;
    const positive = [firstByteTimeoutMs, helloTimeoutMs, idleTimeoutMs, auth].filter((ms) => ms > 0);
    routeConnection(socket, {
      json: (s, initial) => this.startJson(s, initial, acceptedAt, NdjsonStream),
      lsp: (s, initial) => this.startJson(s, initial, acceptedAt, LspStream),
      binary: (s, initial) => this.startBinary(s, initial, acceptedAt),
      modeHandlers: this.modeHandlers(),
      sniffTimeoutMs: positive.length > 0 ? Math.min(...positive) : 0,
      timers,
      observe: (mode, s, chunk) => this.server.observer.routed(mode, s, chunk),
    });
  }

  /** The kernel-verified peer of an accepted socket, when it has one. */
  peerOf(socket: Socket): PeerIdentity | undefined {
    return this.peers.get(socket);
  }

  /**
   * Reads the peer's credentials (before any byte of the socket is read) and applies the `allow`
   * policy: a refused peer is closed at once, without a reply, and counted. A socket without
   * credentials passes: listen() made sure the token guards such endpoints (access-policy.ts).
   */
  private admitPeer(socket: Socket): boolean {
    const peer = readPeerIdentity(socket);
    if (peer === undefined) return true;
    this.peers.set(socket, peer);
    const allow = this.server.allow;
    if (allow === undefined || allow(peer)) return true;
    this.server.observer.connectionRefused('peer', { pid: peer.pid, uid: peer.uid, gid: peer.gid });
    socket.destroy();
    return false;
  }

  /** The custom mode handlers, plus the text mode once it has aliases (a custom text handler wins). */
  modeHandlers(): ModeHandlers {
    const custom = this.server.options.modeHandlers ?? {};
    const text = this.server.text;
    return custom.text !== undefined || !text.enabled ? custom : { ...custom, text: text.handle };
  }

  /** Forgets a closed connection (ignored unless it is the one registered under its client id). */
  connectionClosed(conn: Connection, info: StreamCloseInfo): void {
    const { conns, observer } = this.server;
    if (conns.get(conn.clientId) !== conn) return;
    conns.delete(conn.clientId);
    observer.clientDisconnected(conn.clientId, conn.stream.mode, this.host.timers.now() - conn.connectedAt, { ...info, serverClosing: this.host.isClosing() });
    this.server.disconnected(conn.info(), info);
  }

  /** Resolves once every socket accepted so far has closed. */
  allClosed(): Promise<unknown> {
    return Promise.all([...this.server.sockets].map(waitClosed));
  }

  /** JSON mode, or LSP framing (the same messages, limits and errors; docs/protocol.md). */
  private startJson(socket: Socket, initial: Buffer, acceptedAt: number, Stream: typeof NdjsonStream): void {
    const { limits, timers } = this.host;
    const stream = new Stream(socket, {
      initial,
      maxMessageBytes: limits.maxMessageBytes,
      highWaterMarkBytes: limits.highWaterMarkBytes,
      slowConsumer: limits.slowConsumer,
      receiveBudget: this.shareOf(socket),
      timers,
    });
    this.startConnection(stream, acceptedAt, this.peers.get(socket));
  }

  /** Binary mode (docs/protocol.md): checks the client's preface, then serves it like JSON mode. */
  private startBinary(socket: Socket, initial: Buffer, acceptedAt: number): void {
    const { limits, timers } = this.host;
    acceptBinaryPreface(socket, initial, {
      timers,
      onAccepted: (s, rest) => {
        this.startConnection(new BinaryStream(s, {
          initial: rest,
          maxMessageBytes: limits.maxMessageBytes,
          highWaterMarkBytes: limits.highWaterMarkBytes,
          slowConsumer: limits.slowConsumer,
          receiveBudget: this.shareOf(s),
          timers,
        }), acceptedAt, this.peers.get(s) ?? this.peers.get(socket));
      },
    });
  }

  /** The socket's share of the receive budget, given back when it closes. */
  private shareOf(socket: Socket): ConnectionReceiveBudget {
    const share = this.budget.open();
    if (socket.destroyed) share.close();
    else socket.once('close', () => share.close());
    return share;
  }

  private startConnection(stream: MessageStream, acceptedAt: number, peer: PeerIdentity | undefined): void {
    const { conns, observer } = this.server;
    const conn = new Connection(this.host, stream, newClientId(conns), acceptedAt, peer);
    conns.set(conn.clientId, conn);
    observer.clientConnected(conn.clientId, stream.mode);
    conn.start();
    if (conns.get(conn.clientId) === conn) this.server.connected(conn.info());
  }
}

function waitClosed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
