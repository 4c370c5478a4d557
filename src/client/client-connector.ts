/**
 * The connection lifecycle of a `Client` (docs/reconnect.md): the first connect (`open()` or
 * `start()`), each attempt (connect + `$/hello`, re-subscribing every topic in the same request),
 * what a successful handshake sets going (topics subscribed meanwhile, the queued calls, the
 * spool replay), a lost connection (reconnect with backoff, or close when reconnecting is off),
 * and the end: `closed` by close(), or `failed` when the attempts ran out. Every status change
 * goes through here.
 *
 * `Client` keeps the public API and the ready path: it is handed the current session
 * (`ConnectorParts.useSession`) so that a call reads it straight from a field.
 */
import { createError } from '../errors.js';
import { publishClientConnect, publishClientState } from '../observability/channels.js';
import { resolveBackoff } from './backoff.js';
import type { CallSender } from './call-sender.js';
import { blockedError, clientFailedError, closedError, connectionLostError, lostDuringHandshake } from './client-errors.js';
import { emitSafely, reportError, type ClientCloseInfo, type ClientEmitter } from './client-events.js';
import { callTimeoutOf, type ClientOptions } from './client-options.js';
import { reasonOf, type ClientStateName, type ClientStatus, type StatusFeed } from './client-status.js';
import type { DurableNotifier } from './durable/durable-notifier.js';
import type { EventHandlers } from './event-handlers.js';
import type { FlowControl } from './flow-control.js';
import { handshake, type Handshake } from './handshake.js';
import { connectOrSpawn, type SpawnPlace } from './start-on-demand.js';
import { resolveClientTarget, resolveClientEndpoint } from '../transport/client-target.js';
import { formatEndpoint } from '../endpoint/parse.js';
import type { StreamCloseInfo } from '../stream/message-stream.js';
import { Reconnector } from './reconnector.js';
import type { HelloResult } from '../protocol/hello.js';
import type { RpcSession, SessionHandlers } from './rpc-session.js';
import type { Timers } from '../util/timers.js';

/** The parts of a client a `ClientConnector` works with (shared with the `Client`). */
export interface ConnectorParts {
  readonly options: ClientOptions;
  readonly timers: Timers;
  /** The client's status; only the connector changes it. */
  readonly feed: StatusFeed;
  readonly handlers: EventHandlers;
  readonly calls: CallSender;
  readonly durable: DurableNotifier;
  /** Backpressure: told when the client is ready and when it ends. */
  readonly flow: FlowControl;
  /** The client, which emits the events. */
  readonly emitter: ClientEmitter;
  /** The session calls go to from now on (undefined: none). */
  useSession(session: RpcSession | undefined): void;
}

interface Attempt {
  readonly h: Handshake;
  /** The patterns sent in this hello. */
  readonly subscribed: readonly string[];
}

/** Connects, reconnects and ends one client's connection, and keeps what it learnt from it. */
export class ClientConnector {
  private readonly parts: ConnectorParts;
  private readonly options: ClientOptions;
  private readonly timers: Timers;
  private readonly feed: StatusFeed;
  private readonly emitter: ClientEmitter;
  private readonly reconnector: Reconnector<Attempt>;
  private session: RpcSession | undefined;
  private serverHello: HelloResult | undefined;
  private previousId: string | undefined;
  private reconnects = 0;
  private connectedTo = '';
  private closedPromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private closingSession: RpcSession | undefined;

  constructor(parts: ConnectorParts) {
    this.parts = parts;
    this.options = parts.options;
    this.timers = parts.timers;
    this.feed = parts.feed;
    this.emitter = parts.emitter;
    this.reconnector = new Reconnector<Attempt>(resolveBackoff(parts.options.reconnect), parts.timers, {
      attempt: () => this.attempt(),
      connected: (a) => {
        if (!this.connected(a)) this.afterLostHandshake(a);
      },
      discard: (a) => a.h.session.close(),
      giveUp: (err, attempts) => this.fail(err, attempts),
      status: (s) => this.setStatus(s),
      endpoint: () => this.connectedTo,
    });
  }

  /** The `$/hello` result of the current (or last) connection. */
  get hello(): HelloResult | undefined {
    return this.serverHello;
  }

  /** The clientId of the connection before the last reconnect. */
  get previousClientId(): string | undefined {
    return this.previousId;
  }

  /** The endpoint connected to, formatted ('' before the first handshake). */
  get endpoint(): string {
    return this.connectedTo;
  }

  private get state(): ClientStateName {
    return this.feed.value.state;
  }

  /** The first connect of `Client.open()`: its failure rejects and fails the client. */
  async open(): Promise<void> {
    this.setStatus({ state: 'connecting', at: this.timers.now(), attempt: 0 });
    let a: Attempt;
    try {
      a = await this.attempt();
    } catch (err) {
      if (this.state === 'connecting') this.fail(err, 0, false);
      throw err;
    }
    if (this.state !== 'connecting') {
      a.h.session.close(); // close() was called while connecting
      throw createError('ERR_CONNECTION_CLOSED', 'the client was closed while it was connecting', {
        fixes: ['do not call close() before connect() resolved, or ignore this error'],
      });
    }
    if (!this.connected(a)) {
      const err = lostDuringHandshake(a.h.endpoint);
      this.fail(err, 0, false);
      throw err;
    }
  }

  /** The background connect of `Client.start()`: failed attempts are retried on the backoff schedule. */
  start(): void {
    this.reconnector.connectNow();
  }

  /** `Client.close()`: stops reconnecting, closes the connection and rejects what waits. */
  close(): Promise<void> {
    if (this.state === 'closed' || this.state === 'failed') return this.closedPromise ?? Promise.resolve();
    this.reconnector.stop();
    const session = this.session;
    this.use(undefined);
    if (session !== undefined) {
      this.closingSession = session;
      this.closedPromise = new Promise((resolve) => {
        this.resolveClosed = resolve;
      });
    }
    this.finish({ reason: 'closed' });
    session?.close();
    return this.closedPromise ?? Promise.resolve();
  }

  private use(session: RpcSession | undefined): void {
    this.session = session;
    this.parts.useSession(session);
  }

  private async attempt(): Promise<Attempt> {
    const subscribed = this.parts.handlers.patterns();
    const link: { session?: RpcSession } = {};
    const once = (): Promise<Handshake> => handshake(this.options, this.sessionHandlers(link), subscribed);
    const spawn = this.options.spawn;
    const h = spawn === undefined ? await once() : await connectOrSpawn(spawn, () => spawnPlace(this.options), once);
    link.session = h.session;
    return { h, subscribed };
  }

  /** The server closed the connection right after its hello reply: count it as a failed attempt. */
  private afterLostHandshake(a: Attempt): void {
    const err = lostDuringHandshake(a.h.endpoint);
    if (this.reconnector.enabled) this.reconnector.lost(err);
    else this.fail(err, 0);
  }

  /** A successful handshake: ready (false when its connection already closed). */
  private connected({ h, subscribed }: Attempt): boolean {
    const reconnect = this.serverHello !== undefined;
    const previous = this.serverHello?.clientId;
    this.connectedTo = h.endpoint;
    if (!h.session.isOpen) return false;
    this.serverHello = h.hello;
    this.use(h.session);
    // Topics subscribed while the hello was in flight.
    const sent = new Set(subscribed);
    const missing = this.parts.handlers.patterns().filter((p) => !sent.has(p));
    if (missing.length > 0) {
      h.session.request('$/subscribe', { topics: missing }, { timeoutMs: callTimeoutOf(this.options) }).catch((err: unknown) => this.report(err));
    }
    this.parts.calls.flush(h.session);
    if (reconnect) {
      this.reconnects++;
      this.options.metrics?.reconnected();
      this.previousId = previous;
    }
    const clientId = h.hello.clientId;
    this.setStatus({ state: 'ready', at: this.timers.now(), endpoint: h.endpoint, clientId, previousClientId: this.previousId, reconnects: this.reconnects });
    publishClientConnect({ endpoint: h.endpoint, clientId });
    this.options.logger?.info({ clientId, endpoint: h.endpoint, reconnects: this.reconnects }, reconnect ? 'reconnected' : 'connected');
    if (reconnect && this.state === 'ready') {
      emitSafely(this.emitter, () => this.emitter.emit('reconnect', { clientId, previousClientId: previous, endpoint: h.endpoint, reconnects: this.reconnects }));
    }
    this.parts.durable.replay();
    this.parts.flow.check();
    return true;
  }

  /** Handlers of one attempt's session; `link.session` is set once its handshake succeeded. */
  private sessionHandlers(link: { session?: RpcSession }): SessionHandlers {
    return {
      onNotification: (topic, data) => this.onEvent(topic, data),
      onPeerError: (error) => this.report(error),
      onClose: (info: StreamCloseInfo) => {
        if (link.session !== undefined) this.connectionLost(link.session, info);
      },
    };
  }

  private connectionLost(session: RpcSession, info: StreamCloseInfo): void {
    if (session === this.closingSession) {
      this.closingSession = undefined;
      this.resolveClosed?.();
      return;
    }
    if (session !== this.session || this.state !== 'ready') return; // an old or discarded session
    this.use(undefined);
    const error = connectionLostError(this.connectedTo, info.error, this.reconnector.enabled);
    this.options.logger?.warn({ clientId: this.serverHello?.clientId, endpoint: this.connectedTo, err: info.error ?? null }, 'connection lost');
    if (!this.reconnector.enabled) {
      this.finish({ reason: 'lost', error });
      return;
    }
    this.reconnector.lost(error);
  }

  /** Gave up: every waiting call fails with ERR_CLIENT_FAILED. */
  private fail(err: unknown, attempts: number, emitClose = true): void {
    this.reconnector.stop();
    const error = clientFailedError(this.connectedTo, attempts, err);
    this.setStatus({ state: 'failed', at: this.timers.now(), attempts, reason: reasonOf(err) });
    this.options.logger?.error({ endpoint: this.connectedTo, attempts, err: error }, 'gave up connecting');
    this.parts.calls.rejectAll(() => error);
    this.parts.durable.stop();
    this.parts.flow.stop(blockedError(this.feed.value, 'drained', this.connectedTo) ?? error);
    if (emitClose) emitSafely(this.emitter, () => this.emitter.emit('close', { reason: 'lost', error }));
  }

  private finish(info: ClientCloseInfo): void {
    this.setStatus({ state: 'closed', at: this.timers.now(), reason: info.reason, ...(info.error ? { error: reasonOf(info.error) } : {}) });
    const lost = info.error;
    this.parts.calls.rejectAll((method) => (lost !== undefined ? blockedError(this.feed.value, method, this.connectedTo) ?? lost : closedError(method)));
    this.parts.durable.stop();
    this.parts.flow.stop(blockedError(this.feed.value, 'drained', this.connectedTo) ?? closedError('drained'));
    emitSafely(this.emitter, () => this.emitter.emit('close', info));
  }

  private setStatus(status: ClientStatus): void {
    const from = this.feed.value.state;
    this.feed.push(status);
    publishClientState({ endpoint: this.connectedTo, from, to: status.state });
    emitSafely(this.emitter, () => this.emitter.emit('status', status));
  }

  private onEvent(topic: string, data: unknown): void {
    for (const err of this.parts.handlers.dispatch(topic, data)) this.report(err);
    emitSafely(this.emitter, () => this.emitter.emit('event', topic, data));
  }

  private report(err: unknown): void {
    reportError(this.emitter, err);
  }
}

/** Where start on demand keeps its lock and log: the runtime dir of the client's app and name. */
function spawnPlace(options: ClientOptions): SpawnPlace {
  const resolved = resolveClientEndpoint(options);
  return { runtimeDir: resolved.runtimeDir, name: resolved.name, endpoint: formatEndpoint(resolveClientTarget(options).endpoint) };
}
