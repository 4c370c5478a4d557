/**
 * Server-side state of one JSON/binary connection: clientId, hello/auth state, subscriptions and
 * requests in flight (each with an AbortController). Decodes nothing itself: it sits on a
 * `MessageStream`, so it works the same for every wire mode.
 */
import type { ClientInfo, HelloClientInfo } from './client-info.js';
import { validateParams, type MethodTable, type RequestContext } from './dispatch.js';
import {
  errorMessage,
  idKey,
  notificationMessage,
  parseMessage,
  resultMessage,
  type MessageId,
  type NotificationMessage,
  type RequestMessage,
  type ResponseMessage,
} from './message.js';
import type { MessageStream, SendOutcome, StreamCloseInfo, StreamFrameError } from './message-stream.js';
import { ErrorCodes, ResponseError } from './response-error.js';
import { LazyAbort } from './lazy-abort.js';
import type { ResolvedLimits } from './server-options.js';
import type { TimerHandle, Timers } from './timers.js';
import { anyTopicMatches } from './topics.js';
import { requestTraceActive, traceRequest } from '../observability/channels.js';
import type { ServerObserver } from '../observability/server-observer.js';
import type { TrafficMeter } from '../observability/traffic-meter.js';

/** A reserved `$/` request handler. */
export type ReservedHandler = (params: unknown, conn: Connection) => unknown;

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** The required token, or undefined when none is. */
  token(): string | undefined;
  readonly limits: ResolvedLimits;
  readonly timers: Timers;
  /** True while the server is shutting down: new requests get -32005. */
  isClosing(): boolean;
  readonly methods: MethodTable;
  reserved(method: string): ReservedHandler | undefined;
  /** A handler threw something that is not a ResponseError. */
  reportError(err: unknown, where: { clientId: string; method: string }): void;
  /** The connection's stream closed. */
  connectionClosed(conn: Connection, info: StreamCloseInfo): void;
  /** Metrics, diagnostics channels and logging (absent: nothing is observed). */
  readonly observer?: ServerObserver;
}

interface InFlight {
  readonly controller: LazyAbort;
  /** Settles the request with this response (first call wins). */
  finish(response: ResponseMessage): void;
}

export class Connection {
  readonly clientId: string;
  readonly connectedAt: number;
  readonly stream: MessageStream;
  authenticated: boolean;
  helloDone = false;
  client: HelloClientInfo | undefined;
  private readonly host: ConnectionHost;
  private readonly subs = new Set<string>();
  private readonly inflight = new Map<string, InFlight>();
  private pendingReplies = 0;
  private idleWaiters: Array<() => void> = [];
  private idleTimer: TimerHandle | undefined;
  private helloTimer: TimerHandle | undefined;
  private halfOpenTimer: TimerHandle | undefined;
  /** Counts decoded messages when the server has metrics on. */
  private readonly meter: TrafficMeter | undefined;

  constructor(host: ConnectionHost, stream: MessageStream, clientId: string) {
    this.host = host;
    this.stream = stream;
    this.clientId = clientId;
    this.connectedAt = host.timers.now();
    this.authenticated = host.token() === undefined;
    this.meter = host.observer?.meter(stream.mode);
  }

  /** Starts reading messages and the hello/idle timers. */
  start(): void {
    const { helloTimeoutMs } = this.host.limits;
    if (helloTimeoutMs > 0) {
      this.helloTimer = this.host.timers.setTimeout(() => {
        if (!this.helloDone) this.closeWithError(ErrorCodes.TimedOut, `timed out: no successful $/hello within ${helloTimeoutMs} ms`);
      }, helloTimeoutMs);
    }
    this.touchIdle();
    this.stream.start({
      onMessage: (value) => this.onMessage(value),
      onFrameError: (e) => this.onFrameError(e),
      onPeerEnd: () => this.onPeerEnd(),
      onClose: (info) => this.onClose(info),
    });
  }

  /** A snapshot for `Server.clients()` and handler contexts. */
  info(): ClientInfo {
    return {
      clientId: this.clientId,
      mode: this.stream.mode,
      connectedAt: this.connectedAt,
      helloDone: this.helloDone,
      authenticated: this.authenticated,
      client: this.client,
      subscriptions: [...this.subs],
      inFlight: this.inflight.size,
      droppedEvents: this.stream.droppedEvents,
      bufferedBytes: this.stream.bufferedBytes,
    };
  }

  /** Adds subscription patterns; returns the full list. */
  subscribe(topics: readonly string[]): string[] {
    for (const t of topics) this.subs.add(t);
    return [...this.subs];
  }

  /** Removes subscription patterns (exact strings); returns the full list. */
  unsubscribe(topics: readonly string[]): string[] {
    for (const t of topics) this.subs.delete(t);
    return [...this.subs];
  }

  /** True when a subscription of this connection matches `topic`. */
  wants(topic: string): boolean {
    return this.subs.size > 0 && anyTopicMatches(this.subs, topic);
  }

  /** Sends an event (notification), subject to the slow-consumer policy. */
  sendEvent(method: string, params: unknown): SendOutcome {
    return this.stream.send(notificationMessage(method, params), 'event');
  }

  /** Resolves when no reply is pending (used by graceful close). */
  whenIdle(): Promise<void> {
    if (this.pendingReplies === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Settles every request in flight with `code`/`message` and aborts its handler. */
  abortAll(code: number, message: string): void {
    for (const [, entry] of this.inflight) {
      entry.controller.abort(new ResponseError(code, message));
      entry.finish(errorMessage(null, { code, message }));
    }
  }

  /** Flushes and ends the connection. */
  close(): void {
    this.clearTimers();
    this.stream.close();
  }

  private closeWithError(code: number, message: string): void {
    this.host.observer?.errorSent(code);
    this.stream.send(errorMessage(null, { code, message }));
    this.close();
  }

  private touchIdle(): void {
    const { idleTimeoutMs } = this.host.limits;
    if (idleTimeoutMs <= 0) return;
    if (this.idleTimer !== undefined) this.host.timers.clearTimeout(this.idleTimer);
    this.idleTimer = this.host.timers.setTimeout(() => {
      if (this.inflight.size > 0) this.touchIdle();
      else this.closeWithError(ErrorCodes.TimedOut, `timed out: connection idle for ${idleTimeoutMs} ms`);
    }, idleTimeoutMs);
  }

  private clearTimers(): void {
    if (this.idleTimer !== undefined) this.host.timers.clearTimeout(this.idleTimer);
    if (this.helloTimer !== undefined) this.host.timers.clearTimeout(this.helloTimer);
    if (this.halfOpenTimer !== undefined) this.host.timers.clearTimeout(this.halfOpenTimer);
    this.idleTimer = this.helloTimer = this.halfOpenTimer = undefined;
  }

  /** The peer sent EOF (e.g. `printf ... | socat`, or it died): answer what it asked, then close. */
  private onPeerEnd(): void {
    const { halfOpenTimeoutMs } = this.host.limits;
    if (halfOpenTimeoutMs > 0 && this.pendingReplies > 0) {
      this.halfOpenTimer = this.host.timers.setTimeout(() => {
        this.abortAll(ErrorCodes.Cancelled, 'cancelled: the client closed its side of the connection');
      }, halfOpenTimeoutMs);
    }
    void this.whenIdle().then(() => this.close());
  }

  private onClose(info: StreamCloseInfo): void {
    this.clearTimers();
    this.abortAll(ErrorCodes.Cancelled, 'cancelled: the client disconnected');
    this.host.connectionClosed(this, info);
  }

  private onFrameError(e: StreamFrameError): void {
    if (e.kind === 'too-large') {
      const limit = this.host.limits.maxMessageBytes;
      this.reply(errorMessage(null, { code: ErrorCodes.TooLarge, message: `message too large: limit is ${limit} bytes`, data: { limit } }));
      if (this.host.limits.oversized === 'close') this.close();
      return;
    }
    this.reply(errorMessage(null, { code: ErrorCodes.ParseError, message: `parse error: ${e.message}` }));
  }

  private onMessage(value: unknown): void {
    this.meter?.decoded();
    this.touchIdle();
    if (Array.isArray(value)) {
      if (value.length === 0) {
        this.reply(errorMessage(null, { code: ErrorCodes.InvalidRequest, message: 'invalid request: empty batch' }));
        return;
      }
      this.track(Promise.all(value.map((v) => this.handleOne(v))).then((responses) => {
        const out = responses.filter((r): r is ResponseMessage => r !== undefined);
        if (out.length > 0) this.replyBatch(out);
      }));
      return;
    }
    this.track(this.handleOne(value).then((r) => {
      if (r !== undefined) this.reply(r);
    }));
  }

  /** Counts a pending reply until `work` settles (for whenIdle). */
  private track(work: Promise<void>): void {
    this.pendingReplies++;
    void work.finally(() => {
      this.pendingReplies--;
      if (this.pendingReplies === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  private async handleOne(value: unknown): Promise<ResponseMessage | undefined> {
    const parsed = parseMessage(value);
    switch (parsed.kind) {
      case 'invalid':
        return errorMessage(parsed.id, { code: ErrorCodes.InvalidRequest, message: `invalid request: ${parsed.reason}` });
      case 'response':
        return undefined; // this server sends no requests; stray responses are ignored
      case 'notification':
        await this.handleNotification(parsed.message);
        return undefined;
      case 'request':
        return this.handleRequest(parsed.message);
    }
  }

  private handleRequest(req: RequestMessage): Promise<ResponseMessage> | ResponseMessage {
    const fail = (code: number, message: string): ResponseMessage => errorMessage(req.id, { code, message });
    if (!this.authenticated && req.method !== '$/hello') {
      return fail(ErrorCodes.Unauthorized, 'unauthorized: this endpoint requires a token; send $/hello with { "protocol": 1, "token": "<token from the discovery file>" } first');
    }
    if (this.host.isClosing()) return fail(ErrorCodes.Busy, 'server busy: shutting down');
    const { maxInFlight, requestTimeoutMs } = this.host.limits;
    if (this.inflight.size >= maxInFlight) {
      return fail(ErrorCodes.Busy, `server busy: too many requests in flight on this connection (limit ${maxInFlight})`);
    }
    const key = idKey(req.id);
    if (this.inflight.has(key)) return fail(ErrorCodes.InvalidRequest, `invalid request: id ${JSON.stringify(req.id)} is already in flight`);

    return new Promise<ResponseMessage>((resolve) => {
      const controller = new LazyAbort();
      let timer: TimerHandle | undefined;
      let done = false;
      const entry: InFlight = {
        controller,
        finish: (response) => {
          if (done) return;
          done = true;
          if (timer !== undefined) this.host.timers.clearTimeout(timer);
          this.inflight.delete(key);
          resolve(response.id === req.id ? response : { ...response, id: req.id });
          this.host.observer?.requestDone(this.clientId, req.method, req.id, started, response);
        },
      };
      this.inflight.set(key, entry);
      const started = this.host.observer?.requestStarted() ?? 0;
      if (requestTimeoutMs > 0) {
        timer = this.host.timers.setTimeout(() => {
          const message = `timed out: '${req.method}' ran longer than ${requestTimeoutMs} ms`;
          controller.abort(new ResponseError(ErrorCodes.TimedOut, message));
          entry.finish(fail(ErrorCodes.TimedOut, message));
        }, requestTimeoutMs);
      }
      const work = requestTraceActive()
        ? Promise.resolve(traceRequest({ clientId: this.clientId, method: req.method, id: req.id }, () => this.execute(req.method, req.params, req.id, controller)))
        : this.execute(req.method, req.params, req.id, controller);
      work.then(
        (result) => entry.finish(resultMessage(req.id, result)),
        (err: unknown) => {
          if (!done) entry.finish(errorMessage(req.id, this.errorFor(err, req.method)));
        },
      );
    });
  }

  private async execute(method: string, params: unknown, id: MessageId | undefined, abort: LazyAbort): Promise<unknown> {
    if (method.startsWith('$/')) {
      const reserved = this.host.reserved(method);
      if (reserved === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `method not found: ${method}`);
      return reserved(params, this);
    }
    const entry = this.host.methods.method(method);
    if (entry === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `method not found: ${method}`);
    const value = await validateParams(entry, params);
    const snapshot = (): ClientInfo => this.info();
    const ctx: RequestContext = {
      clientId: this.clientId,
      get signal() {
        return abort.signal; // created only when a handler asks
      },
      get connection() {
        return snapshot(); // built only when a handler asks
      },
      method,
      id,
    };
    return entry.handler(value, ctx);
  }

  private async handleNotification(n: NotificationMessage): Promise<void> {
    if (n.method === '$/cancel') {
      this.cancel(n.params);
      return;
    }
    if (!this.authenticated || n.method.startsWith('$/')) return;
    try {
      const handler = this.host.methods.notification(n.method);
      if (handler !== undefined) {
        await handler(n.params, { clientId: this.clientId, connection: this.info(), method: n.method });
      } else if (this.host.methods.method(n.method) !== undefined) {
        // A notification to a request method runs it and discards the result.
        await this.execute(n.method, n.params, undefined, new LazyAbort());
      }
    } catch (err) {
      if (!(err instanceof ResponseError)) this.host.reportError(err, { clientId: this.clientId, method: n.method });
    }
  }

  private cancel(params: unknown): void {
    if (typeof params !== 'object' || params === null || !('id' in params)) return;
    const id = (params as { id: unknown }).id;
    if (typeof id !== 'string' && typeof id !== 'number' && id !== null) return;
    const entry = this.inflight.get(idKey(id));
    if (entry === undefined) return;
    const message = 'cancelled by the client';
    entry.controller.abort(new ResponseError(ErrorCodes.Cancelled, message));
    entry.finish(errorMessage(id, { code: ErrorCodes.Cancelled, message }));
  }

  private errorFor(err: unknown, method: string): { code: number; message: string; data?: unknown } {
    if (err instanceof ResponseError) return err.toJSON();
    this.host.reportError(err, { clientId: this.clientId, method });
    return { code: ErrorCodes.InternalError, message: `internal error in method '${method}'` };
  }

  private reply(response: ResponseMessage): void {
    this.host.observer?.repliesSent(response);
    try {
      this.stream.send(response);
    } catch {
      this.stream.send(unencodable(response));
    }
  }

  private replyBatch(responses: ResponseMessage[]): void {
    this.host.observer?.repliesSent(responses);
    try {
      this.stream.send(responses);
    } catch {
      this.stream.send(responses.map((r) => (encodable(r) ? r : unencodable(r))));
    }
  }
}

function encodable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

function unencodable(response: ResponseMessage): ResponseMessage {
  return errorMessage(response.id, { code: ErrorCodes.InternalError, message: 'internal error: the result cannot be encoded as JSON' });
}
