/** Options of `connect()`. */
import type { Socket } from 'node:net';
import type { ClientTarget, ClientTargetOptions } from './client-target.js';
import type { Timers } from './timers.js';

/** Opens the byte stream for one connection attempt. */
export type TransportFactory = (target: ClientTarget, options: { timeoutMs: number }) => Promise<Socket>;

export interface ClientOptions extends ClientTargetOptions {
  /**
   * Who this client is, sent in `$/hello` (with this process's pid and ppid).
   * @default { name: 'sidewire-client', version: sidewire's version }
   */
  readonly client?: { readonly name: string; readonly version: string };
  /**
   * Limit for connecting plus the `$/hello` reply.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Default timeout of `call()`; 0 = none. Per call: `call(m, p, { timeoutMs })`.
   * @default 30000
   */
  readonly callTimeoutMs?: number;
  /**
   * Largest accepted incoming message, in bytes.
   * @default 16777216 (16 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Opens the byte stream (tests, custom transports).
   * @default connectTransport(target.endpoint, { timeoutMs })
   */
  readonly transportFactory?: TransportFactory;
  /**
   * Timer functions.
   * @default real, unref()'d timers
   */
  readonly timers?: Timers;
}

export interface CallOptions {
  /**
   * Reject with TimeoutError ERR_TIMEOUT (and send `$/cancel`) after this long; 0 = never.
   * @default the client's callTimeoutMs (30000)
   */
  readonly timeoutMs?: number;
  /**
   * Abort the call: it rejects with the signal's reason and `$/cancel` is sent.
   * @default undefined
   */
  readonly signal?: AbortSignal;
}
