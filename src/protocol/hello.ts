/**
 * The shapes of `$/hello` on the wire (docs/protocol.md, docs/shared-memory.md): what the server
 * answers, and the shared-memory ring offer each side may make. Plain data, no I/O.
 */

/** What a sender says of its ring in `$/hello`. */
export interface RingOffer {
  /** `/proc/<pid>/fd/<fd>` of the sender. */
  readonly path: string;
  /** Size of the file in bytes. */
  readonly bytes: number;
  /** 32 hex digits: the file's first 16 bytes. */
  readonly key: string;
}

/** What the server answers to a client's offer, as `shm` of the `$/hello` result. */
export interface ShmHelloReply {
  /** The server mapped the client's ring: the client may send indirect frames. */
  readonly accepted: boolean;
  /** Why not, when not accepted. */
  readonly reason?: string;
  /** The server's own ring for its large frames; used after the client's release frame of count 0. */
  readonly ring?: RingOffer;
}

/** The result of `$/hello`. */
export interface HelloResult {
  readonly protocol: 1;
  readonly clientId: string;
  /** The server's process id. */
  readonly pid: number;
  /** The server's parent process id. */
  readonly ppid: number;
  readonly server: { readonly name: string; readonly version: string };
  readonly capabilities: Record<string, unknown>;
  /** The answer to the client's shared-memory offer, when it made one (docs/shared-memory.md). */
  readonly shm?: ShmHelloReply;
}
