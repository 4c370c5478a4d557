/**
 * The events a `Client` emits (`ClientEvents`) and how it emits them: an exception thrown by a
 * user listener must not break the client, so it goes to the 'error' event instead (or is
 * rethrown asynchronously when nobody listens to 'error').
 */
import type { EventEmitter } from 'node:events';
import { SidewireError } from '../errors.js';
import type { ClientStatus } from './client-status.js';

/** Why a client closed. */
export interface ClientCloseInfo {
  /** `closed`: close() was called; `lost`: the connection dropped and the client gave up (or does not reconnect). */
  readonly reason: 'closed' | 'lost';
  readonly error?: Error;
}

/** A reconnection: the client said hello again on a new connection. */
export interface ClientReconnectInfo {
  readonly clientId: string;
  readonly previousClientId: string | undefined;
  readonly endpoint: string;
  /** Reconnections so far (1 for the first). */
  readonly reconnects: number;
}

/** The events of a `Client`, with their arguments. */
export interface ClientEvents {
  /** A server event (notification): topic and payload. */
  event: [topic: string, data: unknown];
  /** Every state change (also available as `for await (const s of client.status())`). */
  status: [status: ClientStatus];
  /** Ready again after a lost connection. */
  reconnect: [info: ClientReconnectInfo];
  /** The client closed for good (once): close() was called, or it gave up reconnecting. */
  close: [info: ClientCloseInfo];
  /** Once after a `notify()` returned false: the client is ready and below its high-water mark again. */
  drain: [];
  /** An error without a call to reject (event handler threw, server sent an id-less error). Emitted only when listened to. */
  error: [error: Error];
}

/** A client as the helpers that emit its events see it. */
export type ClientEmitter = EventEmitter<ClientEvents>;

/** Runs `emit` (which calls user listeners); an exception it throws goes to `reportError`. */
export function emitSafely(emitter: ClientEmitter, emit: () => void): void {
  try {
    emit();
  } catch (err) {
    reportError(emitter, err);
  }
}

/**
 * An error without a call to reject: emitted as 'error' when someone listens. Otherwise an
 * exception from user code surfaces like any uncaught callback error, while an id-less server
 * error or a spool problem is only informative and is dropped.
 */
export function reportError(emitter: ClientEmitter, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  if (emitter.listenerCount('error') > 0) {
    try {
      emitter.emit('error', error);
      return;
    } catch (inner) {
      queueMicrotask(() => {
        throw inner;
      });
      return;
    }
  }
  if (!(err instanceof Error && (err.name === 'ResponseError' || err instanceof SidewireError))) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
