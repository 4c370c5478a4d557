/**
 * What every transport hands back to `listen()`, and a promise wrapper around `server.listen`.
 */
import type * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';

/** A bound, listening server plus the means to remove what its transport created. */
export interface BoundServer {
  readonly server: net.Server;
  /** The endpoint actually bound (with the real TCP port). */
  readonly endpoint: Endpoint;
  /** Removes the files this transport created, only while they are still ours. Sync, never throws. */
  removeFiles(): void;
}

/**
 * Calls `server.listen(options)` (or adopts a bound descriptor: `{ fd }`) and settles on 'listening' or 'error'. For path endpoints Node
 * binds synchronously inside `listen()`, so `afterListen` runs right after the bind, before any
 * other code of this process; `bound` says whether the bind succeeded (a failure is reported
 * through 'error' a tick later). It also runs when `listen()` throws.
 */
export function listenServer(server: net.Server, options: net.ListenOptions | { readonly fd: number }, afterListen?: (bound: boolean) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    try {
      server.listen(options);
    } catch (err) {
      afterListen?.(false);
      server.removeListener('error', onError);
      server.removeListener('listening', onListening);
      reject(err);
      return;
    }
    afterListen?.(server.listening);
  });
}

/** Stops a bound server that will not be handed out (errors ignored). */
export function discardBound(bound: BoundServer): void {
  bound.removeFiles(); // before closing: see removeIfSame
  bound.server.close();
}
