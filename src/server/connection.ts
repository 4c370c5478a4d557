/**
 * Server-side state of one JSON/binary connection: clientId, hello/auth state, subscriptions,
 * timers (hello, auth, idle, half-open), the incoming message limit before authentication
 * (docs/protocol.md "Limits"), notifications and replies; its requests run in a
 * RequestRunner (request-runner.ts). Decodes nothing itself: it sits on a `MessageStream`, so it
 * works the same for every wire mode.
 */
import type { ClientInfo, HelloClientInfo, PeerIdentity } from '../protocol/client-info.js';
import {
  errorMessage,
  messageKind,
  type ParsedMessage,
  parseMessage,
  type NotificationMessage,
  type RequestMessage,
  type ResponseMessage,
} from '../protocol/message.js';
import type { MessageStream, SendOutcome, StreamCloseInfo, StreamFrameError } from '../stream/message-stream.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { LazyAbort } from '../util/lazy-abort.js';
import { RequestRunner } from './request-runner.js';
import { BatchRunner } from './batch-runner.js';
import { addSubscriptions, removeSubscriptions } from './subscriptions.js';
import { LazyNotificationContext } from './request-context.js';
import { PreAuthGate } from './pre-auth.js';
import type { ConnectionHost } from './connection-host.js';
import { sendReplies, sendReply } from './replies.js';
import type { TimerHandle } from '../util/timers.js';
import { anyTopicMatches } from '../protocol/topics.js';
import type { TrafficMeter } from '../observability/traffic-meter.js';

export class Connection {
  readonly clientId: string;
  readonly connectedAt: number;
  readonly stream: MessageStream;
  authenticated: boolean;
  helloDone = false;
  client: HelloClientInfo | undefined;
  /** The kernel-verified peer (docs/security.md "Peer identity"); undefined where there is none. */
  readonly peer: PeerIdentity | undefined;
  private readonly host: ConnectionHost;
  private readonly subs = new Set<string>();
  /** The requests in flight, and how each runs. */
  private readonly requests: RequestRunner<Connection>;
  /** Its batches: length limits, slices that let other connections run (batch-runner.ts). */
  private readonly batches: BatchRunner;
  private pendingReplies = 0;
  private idleWaiters: Array<() => void> = [];
  private idleTimer: TimerHandle | undefined;
  /** When the last message arrived (timers.now()), kept only while an idle timeout is set. */
  private lastActive = 0;
  private helloTimer: TimerHandle | undefined;
  /** Token endpoints: the limits until `$/hello` authenticates (pre-auth.ts); undefined without a token. */
  private readonly preAuth: PreAuthGate | undefined;
  /** When the socket was accepted (timers.now()): the auth deadline counts from there. */
  private readonly acceptedAt: number;
  private halfOpenTimer: TimerHandle | undefined;
  /** Counts decoded messages when the server has metrics on. */
  private readonly meter: TrafficMeter | undefined;
  private messagesIn = 0;

  constructor(host: ConnectionHost, stream: MessageStream, clientId: string, acceptedAt?: number, peer?: PeerIdentity) {
    this.host = host;
    this.peer = peer;
    this.stream = stream;
    this.clientId = clientId;
    this.connectedAt = host.timers.now();
    this.acceptedAt = acceptedAt ?? this.connectedAt;
    this.authenticated = host.token() === undefined;
    this.preAuth = this.authenticated
      ? undefined
      : new PreAuthGate({
        limits: host.limits,
        timers: host.timers,
        stream,
        isAuthenticated: () => this.authenticated,
        expire: (message) => this.closeWithError(ErrorCodes.TimedOut, message),
      });
    this.meter = host.observer?.meter(stream.mode);
    this.requests = new RequestRunner(this, host);
    this.batches = new BatchRunner({
      handleOne: (v) => this.handleOne(v),
      maxBatchLength: () => this.host.limits.maxBatchLength,
      authenticated: () => this.authenticated,
      isOpen: () => this.stream.isOpen,
      fail: (err) => this.stream.destroy(err instanceof Error ? err : new Error(String(err))),
    });
  }

  /** Starts reading messages and the hello/auth/idle timers. */
  start(): void {
    const { helloTimeoutMs } = this.host.limits;
    if (helloTimeoutMs > 0) {
      this.helloTimer = this.host.timers.setTimeout(() => {
        if (!this.helloDone) this.closeWithError(ErrorCodes.TimedOut, `timed out: no successful $/hello within ${helloTimeoutMs} ms`);
      }, helloTimeoutMs);
    }
    this.preAuth?.start(this.acceptedAt);
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
      inFlight: this.requests.count,
      droppedEvents: this.stream.droppedEvents,
      bufferedBytes: this.stream.bufferedBytes,
      ...(this.peer === undefined ? {} : { peer: this.peer }),
      ...(this.stream.bytesIn === undefined ? {} : { bytesIn: this.stream.bytesIn }),
      ...(this.stream.bytesOut === undefined ? {} : { bytesOut: this.stream.bytesOut, messagesIn: this.messagesIn, messagesOut: this.stream.messagesOut ?? 0 }),
    };
  }

  /** Adds subscription patterns, all or none, up to limits.maxSubscriptions (subscriptions.ts); returns the full list. */
  subscribe(topics: readonly unknown[]): string[] {
    addSubscriptions(this.subs, topics, this.host.limits.maxSubscriptions);
    return [...this.subs];
  }

  /** Removes subscription patterns (exact strings); returns the full list. */
  unsubscribe(topics: readonly unknown[]): string[] {
    removeSubscriptions(this.subs, topics, this.host.limits.maxSubscriptions);
    return [...this.subs];
  }

  /** True when a subscription of this connection matches `topic`. */
  wants(topic: string): boolean {
    return this.subs.size > 0 && anyTopicMatches(this.subs, topic);
  }

  /** Sends an event (notification), subject to the slow-consumer policy. */
  sendEvent(method: string, params: unknown): SendOutcome {
    return this.stream.sendCall(undefined, method, params, 'event');
  }

  /** Resolves when no reply is pending (used by graceful close). */
  whenIdle(): Promise<void> {
    if (this.pendingReplies === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Settles every request in flight with `code`/`message` and aborts its handler. */
  abortAll(code: number, message: string): void {
    this.requests.abortAll(code, message);
  }

  /** Flushes and ends the connection. */
  close(): void {
    this.clearTimers();
    this.stream.close();
  }

  private closeWithError(code: number, message: string, data?: unknown): void {
    this.host.observer?.errorSent(code);
    this.stream.send(errorMessage(null, data === undefined ? { code, message } : { code, message, data }));
    this.close();
  }

  /**
   * Notes activity for the idle timeout. Per message this only reads the clock, instead of
   * clearing and re-arming a timer per message (a timer costs several times a clock read; see
   * benchmarks/call-timeouts.ts). The one timer, when it fires, closes the connection or waits
   * for what is left of the timeout since the last message.
   */
  private touchIdle(): void {
    const { idleTimeoutMs } = this.host.limits;
    if (idleTimeoutMs <= 0) return;
    this.lastActive = this.host.timers.now();
    if (this.idleTimer === undefined) this.armIdle(idleTimeoutMs);
  }

  private armIdle(ms: number): void {
    this.idleTimer = this.host.timers.setTimeout(() => {
      this.idleTimer = undefined;
      const { idleTimeoutMs } = this.host.limits;
      const left = this.lastActive + idleTimeoutMs - this.host.timers.now();
      if (left > 0) this.armIdle(Math.min(left, idleTimeoutMs)); // min: a clock set back does not delay it more
      else if (this.requests.waiting > 0) this.armIdle(idleTimeoutMs);
      else this.closeWithError(ErrorCodes.TimedOut, `timed out: connection idle for ${idleTimeoutMs} ms`);
    }, ms);
  }

  private clearTimers(): void {
    if (this.idleTimer !== undefined) this.host.timers.clearTimeout(this.idleTimer);
    if (this.helloTimer !== undefined) this.host.timers.clearTimeout(this.helloTimer);
    if (this.halfOpenTimer !== undefined) this.host.timers.clearTimeout(this.halfOpenTimer);
    this.preAuth?.stop();
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
    if (e.kind === 'over-budget') {
      const limit = this.host.limits.maxBufferedBytes;
      this.closeWithError(ErrorCodes.Busy, `server busy: too many bytes of incomplete messages held across connections (limit ${limit})`, { limit });
      return;
    }
    if (e.kind === 'too-large') {
      const limit = this.preAuth?.limit ?? this.host.limits.maxMessageBytes;
      if (!this.authenticated && this.preAuth?.restricted === true) {
        this.closeWithError(ErrorCodes.TooLarge, `message too large: limit is ${limit} bytes until $/hello authenticates this connection`, { limit });
        return;
      }
      this.reply(errorMessage(null, { code: ErrorCodes.TooLarge, message: `message too large: limit is ${limit} bytes`, data: { limit } }));
      if (this.host.limits.oversized === 'close') this.close();
      return;
    }
    if (e.kind === 'invalid') {
      this.reply(errorMessage(e.id ?? null, { code: ErrorCodes.InvalidRequest, message: `invalid request: ${e.message}` }));
      return;
    }
    this.reply(errorMessage(null, { code: ErrorCodes.ParseError, message: `parse error: ${e.message}` }));
  }

  private onMessage(value: unknown): void {
    this.messagesIn += 1;
    this.meter?.decoded();
    this.touchIdle();
    if (Array.isArray(value)) {
      const batch = this.batches.run(value);
      if (batch instanceof Promise) {
        this.track(batch.then((out) => {
          if (out !== undefined) this.replyBatch(out);
        }));
      } else {
        this.reply(batch);
      }
      return;
    }
    const reply = this.handleOne(value);
    if (reply instanceof Promise) {
      this.track(reply.then((r) => {
        if (r !== undefined) this.reply(r);
      }));
    } else if (reply !== undefined) {
      this.reply(reply);
    }
  }

  /** Counts a pending reply until `work` settles (for whenIdle). */
  private track(work: Promise<void>): void {
    this.pendingReplies++;
    const settled = (): void => {
      this.pendingReplies--;
      if (this.pendingReplies === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    };
    // Like `finally` (a rejection still surfaces), with fewer promises per message.
    void work.then(settled, (err: unknown) => {
      settled();
      throw err;
    });
  }

  /**
   * Handles one message; returns its reply, a promise of it while a handler runs, or undefined.
   * Not async on purpose: an async wrapper costs a promise and extra ticks per message.
   */
  private handleOne(value: unknown): Promise<ResponseMessage | undefined> | ResponseMessage | undefined {
    switch (messageKind(value)) {
      case 'invalid': {
        const parsed = parseMessage(value) as Extract<ParsedMessage, { kind: 'invalid' }>;
        return errorMessage(parsed.id, { code: ErrorCodes.InvalidRequest, message: `invalid request: ${parsed.reason}` });
      }
      case 'response':
        return undefined; // this server sends no requests; stray responses are ignored
      case 'notification':
        return this.handleNotification(value as NotificationMessage);
      case 'request':
        if (this.authenticated || (value as RequestMessage).method !== '$/hello') return this.requests.run(value as RequestMessage);
        return this.preAuth!.hello(() => this.requests.run(value as RequestMessage));
    }
  }

  /**
   * Runs a notification's handler. Returns undefined when it finished synchronously (most do: no
   * promise is made per notification), else a promise that settles when it is done.
   */
  private handleNotification(n: NotificationMessage): Promise<undefined> | undefined {
    if (n.method === '$/cancel' || n.method === '$/cancelRequest') {
      this.requests.cancel(n.params, n.method === '$/cancel' ? ErrorCodes.Cancelled : ErrorCodes.RequestCancelled);
      return undefined;
    }
    if (!this.authenticated || n.method.startsWith('$/')) return undefined;
    try {
      const handler = this.host.methods.notification(n.method);
      if (handler !== undefined) {
        const done = handler(n.params, new LazyNotificationContext(this, n.method));
        if (done !== undefined) return this.notificationSettled(n.method, done);
      } else if (this.host.methods.method(n.method) !== undefined) {
        // A notification to a request method runs it and discards the result.
        return this.notificationSettled(n.method, this.requests.execute(n.method, n.params, undefined, new LazyAbort()));
      }
    } catch (err) {
      this.notificationFailed(n.method, err);
    }
    return undefined;
  }

  /** Waits for an asynchronous notification handler; its failure is reported, never replied. */
  private async notificationSettled(method: string, done: unknown): Promise<undefined> {
    try {
      await done;
    } catch (err) {
      this.notificationFailed(method, err);
    }
    return undefined;
  }

  private notificationFailed(method: string, err: unknown): void {
    if (!(err instanceof ResponseError)) this.host.reportError(err, { clientId: this.clientId, method });
  }

  private reply(response: ResponseMessage): void {
    this.host.observer?.repliesSent(response);
    sendReply(this.stream, response);
  }

  private replyBatch(responses: ResponseMessage[]): void {
    this.host.observer?.repliesSent(responses);
    sendReplies(this.stream, responses);
  }
}
