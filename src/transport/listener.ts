/**
 * The `Listener` handed to the RPC layer: forwards accepted byte streams, and on close (or on
 * SIGINT/SIGTERM/exit) removes the files it created — each only while it is still ours.
 */
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import type { BoundServer } from './bind.js';
import { removeDiscoveryIfOurs } from './discovery.js';
import type { WrittenDiscovery } from './discovery.js';
import { registerExitCleanup } from './exit-cleanup.js';
import type { Listener } from './types.js';

export interface TransportListenerParts {
  /** The bound server and its file cleanup. */
  readonly bound: BoundServer;
  /** Client token, when required. */
  readonly token: string | undefined;
  /** The discovery file written for this listener, if any. */
  readonly discovery: WrittenDiscovery | undefined;
  /** Register the file cleanup for SIGINT/SIGTERM/exit. */
  readonly cleanupOnExit: boolean;
  /** Receives server errors when nobody listens for 'error'. */
  readonly onWarning: ((message: string) => void) | undefined;
}

/** A listening endpoint (see `Listener`). Created by `listen()`. */
export class TransportListener extends EventEmitter implements Listener {
  readonly endpoint: Endpoint;
  readonly token: string | undefined;
  readonly discoveryPath: string | undefined;
  readonly #bound: BoundServer;
  readonly #discovery: WrittenDiscovery | undefined;
  readonly #unregister: () => void;
  #closing: Promise<void> | undefined;

  constructor(parts: TransportListenerParts) {
    super();
    this.#bound = parts.bound;
    this.#discovery = parts.discovery;
    this.endpoint = parts.bound.endpoint;
    this.token = parts.token;
    this.discoveryPath = parts.discovery?.path;
    const tcp = this.endpoint.kind === 'tcp';
    const server = parts.bound.server;
    server.on('connection', (socket: net.Socket) => {
      if (tcp) socket.setNoDelay(true);
      this.emit('connection', socket);
    });
    server.on('error', (err: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else parts.onWarning?.(`sidewire: listener error: ${err.message}`);
    });
    this.#unregister = parts.cleanupOnExit ? registerExitCleanup(() => this.#removeFiles()) : () => undefined;
  }

  #removeFiles(): void {
    if (this.#discovery) removeDiscoveryIfOurs(this.#discovery);
    this.#bound.removeFiles();
  }

  /**
   * Unpublishes the discovery file, stops accepting, removes the socket file (if still ours).
   * Open connections are left to their owners; this does not wait for them. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => {
      this.#unregister();
      // Files first, handle second: while our socket is still bound it keeps its inode
      // allocated, so no newer file at the path can carry the same inode number.
      this.#removeFiles();
      this.#bound.server.close();
      // The listening handle finishes closing in libuv's close phase; resolve after it.
      setImmediate(resolve);
    });
    return this.#closing;
  }
}
