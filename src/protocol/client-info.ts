/** What a server knows about one connected client (a snapshot; see `Server.clients()`). */

/** What a client said about itself in `$/hello` `client` (all optional). */
export interface HelloClientInfo {
  /** Client program name, e.g. `my-editor-extension`. */
  readonly name?: string;
  /** Client program version. */
  readonly version?: string;
  /** The client's process id, when it chose to say (e.g. an editor extension host). */
  readonly pid?: number;
  /** The client's parent process id, when it chose to say. */
  readonly ppid?: number;
  /**
   * The client's user id, set by the server from the kernel's peer credentials (docs/security.md
   * "Peer identity"); never taken from the client.
   */
  readonly uid?: number;
}

/**
 * Who is at the other end of a unix socket, as the kernel says (SO_PEERCRED): the process that
 * connected, its user and its group (docs/security.md "Peer identity").
 */
export interface PeerIdentity {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

export interface ClientInfo {
  /** 12 lowercase hex characters, unique among live connections. */
  readonly clientId: string;
  /** Wire mode of the connection. */
  readonly mode: 'json' | 'binary' | 'text' | 'lsp' | 'nats';
  /** When the connection was accepted (epoch ms). */
  readonly connectedAt: number;
  /** True once `$/hello` succeeded. */
  readonly helloDone: boolean;
  /** True when the connection may call methods (no token required, or the right one presented). */
  readonly authenticated: boolean;
  /** From `$/hello` `client`, when given. */
  readonly client: HelloClientInfo | undefined;
  /** Current subscription patterns, in the order they were added. */
  readonly subscriptions: readonly string[];
  /** Requests being handled right now. */
  readonly inFlight: number;
  /** Events dropped because this client did not read them fast enough. */
  readonly droppedEvents: number;
  /** Outgoing bytes not yet handed to the OS (bounded by limits.highWaterMarkBytes for events). */
  readonly bufferedBytes: number;
  /** The kernel-verified peer (unix sockets with the native helper); absent where there is none. */
  readonly peer?: PeerIdentity;
  /** Bytes received from this client so far (JSON/binary connections; the dashboard shows them). */
  readonly bytesIn?: number;
  /** Bytes sent to this client so far (JSON/binary connections). */
  readonly bytesOut?: number;
  /** Messages (requests, notifications, batches) received from this client so far. */
  readonly messagesIn?: number;
  /** Messages (replies, events) queued for this client so far. */
  readonly messagesOut?: number;
}
