/**
 * The door of a `Server` for endpoint adapters (`sidewire/zeromq`, docs/zeromq.md): peers that
 * do not reach the server through its own endpoint, but whose requests must take the server's one
 * request path (docs/architecture.md "One request"): a `RequestRunner` over the server's method
 * table, with its closing check, limits, params schemas, timeouts, error wording and metrics.
 * Adapters also see every event the server publishes or broadcasts (`onEvent`), to forward it.
 *
 * Adapter requests are authenticated by the adapter (the runner's source says so) and cannot
 * call reserved `$/` methods: those belong to a sidewire connection (hello, subscriptions,
 * cancel), and are answered -32601 `method not found`.
 */
import type { ConnectionHost } from './connection-host.js';
import { newClientId } from './client-id.js';
import { plainRunnerHost, RequestRunner, type RequestSource } from './request-runner.js';
import { LazyNotificationContext } from './request-context.js';
import { LazyAbort } from '../util/lazy-abort.js';
import type { ResolvedLimits } from './server-options.js';

/** Called with every event the server publishes (`publish`) or broadcasts (`broadcast`: the method as topic). */
export type EventTap = (topic: string, data: unknown) => void;

/** What an adapter gets from `Server.adapterPort()`. */
export interface AdapterPort {
  /** The server's limits (message size, in-flight, request timeout). */
  readonly limits: ResolvedLimits;
  /** True while the server shuts down (new requests get -32005 from the runner anyway). */
  isClosing(): boolean;
  /** A fresh clientId for an adapter peer, unique among live ones (`release` it when the peer is gone). */
  newClientId(): string;
  /** Gives back a clientId from `newClientId`. */
  releaseClientId(clientId: string): void;
  /** A request runner for `source` over the server's method table (one per peer: ids are per runner). */
  runner(source: RequestSource): RequestRunner<RequestSource>;
  /**
   * Runs a notification from `source`: its notification handler, or the request method of that
   * name with the result dropped. Failures are reported through the server's `error` event, never
   * answered. Resolves when the handler is done.
   */
  notify(source: RequestSource, method: string, params: unknown): Promise<void>;
  /** Reports an error no peer sees through the server's `error` event (as a handler's would be). */
  reportError(err: unknown, site: { clientId: string; method: string }): void;
  /** Calls `tap` for every published or broadcast event; returns a function that stops it. */
  onEvent(tap: EventTap): () => void;
}

/** The taps of one server; `emit` is called by `publish` and `broadcast`. */
export class EventTaps {
  private readonly taps = new Set<EventTap>();

  get size(): number {
    return this.taps.size;
  }

  add(tap: EventTap): () => void {
    this.taps.add(tap);
    return () => void this.taps.delete(tap);
  }

  emit(topic: string, data: unknown): void {
    for (const tap of this.taps) tap(topic, data);
  }
}

/** Builds the port of a server from its connection host, live connection ids and taps. */
export function createAdapterPort(host: ConnectionHost, live: { has(id: string): boolean }, taps: EventTaps): AdapterPort {
  const adapterIds = new Set<string>();
  const runnerHost = plainRunnerHost<RequestSource>(host, host.limits);
  return {
    limits: host.limits,
    isClosing: () => host.isClosing(),
    newClientId: () => {
      const id = newClientId({ has: (candidate) => adapterIds.has(candidate) || live.has(candidate) });
      adapterIds.add(id);
      return id;
    },
    releaseClientId: (clientId) => void adapterIds.delete(clientId),
    runner: (source) => new RequestRunner<RequestSource>(source, runnerHost),
    notify: async (source, method, params) => {
      try {
        const handler = host.methods.notification(method);
        if (handler !== undefined) await handler(params, new LazyNotificationContext(source, method));
        else if (host.methods.method(method) !== undefined) await new RequestRunner<RequestSource>(source, runnerHost).execute(method, params, undefined, new LazyAbort());
      } catch (err) {
        host.reportError(err, { clientId: source.clientId, method });
      }
    },
    reportError: (err, site) => host.reportError(err, site),
    onEvent: (tap) => taps.add(tap),
  };
}
