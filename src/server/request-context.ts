/**
 * The context objects handlers receive (`RequestContext`, `NotificationContext`), as small class
 * instances: `signal` and `connection` are computed only when a handler reads them (prototype
 * getters). An object literal with getters costs two closures and a slow-path object per message,
 * which shows in the server's per-request cost.
 */
import type { ClientInfo, PeerIdentity } from '../protocol/client-info.js';
import type { NotificationContext, RequestContext } from './dispatch.js';
import type { LazyAbort } from '../util/lazy-abort.js';
import type { MessageId } from '../protocol/message.js';

/** The connection a context describes. */
export interface ContextSource {
  readonly clientId: string;
  /** A fresh snapshot of the connection. */
  info(): ClientInfo;
}

export class LazyRequestContext implements RequestContext {
  readonly clientId: string;
  readonly method: string;
  readonly id: MessageId | undefined;
  readonly #source: ContextSource;
  readonly #abort: LazyAbort;

  constructor(source: ContextSource, abort: LazyAbort, method: string, id: MessageId | undefined) {
    this.clientId = source.clientId;
    this.method = method;
    this.id = id;
    this.#source = source;
    this.#abort = abort;
  }

  /** Aborted on `$/cancel`, disconnect, request timeout and server close (created on first read). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A snapshot of the calling connection, taken when read. */
  get connection(): ClientInfo {
    return this.#source.info();
  }

  /** The kernel-verified caller (docs/security.md "Peer identity"), or undefined where there is none. */
  get peer(): PeerIdentity | undefined {
    return this.#source.info().peer;
  }
}

export class LazyNotificationContext implements NotificationContext {
  readonly clientId: string;
  readonly method: string;
  readonly #source: ContextSource;

  constructor(source: ContextSource, method: string) {
    this.clientId = source.clientId;
    this.method = method;
    this.#source = source;
  }

  /** A snapshot of the sending connection, taken when read. */
  get connection(): ClientInfo {
    return this.#source.info();
  }

  /** The kernel-verified sender (docs/security.md "Peer identity"), or undefined where there is none. */
  get peer(): PeerIdentity | undefined {
    return this.#source.info().peer;
  }
}
