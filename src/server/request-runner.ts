/**
 * The one request path of every wire mode (docs/architecture.md "One request"): JSON and binary
 * requests of a `Connection`, and text commands of a text session (server-text-mode.ts), run
 * here. Each request gets the same steps in the same order: the auth check, the closing check
 * (-32005 `server busy: shutting down`), the in-flight limit, the method lookup (reserved `$/`
 * methods, user methods), params validation against the method's schema (-32602), the handler
 * context, the request timeout, tracing, and the error wording (a `ResponseError` as it is,
 * anything else reported and answered -32603 `internal error in method '<name>'`). The runner keeps
 * its requests in flight by id for `$/cancel` and settles them all when its connection or session
 * goes away (`abortAll`).
 *
 * The hot path (`runPlain`): a user method without params schema or tracing subscriber whose
 * handler returns a value is answered at once, without a promise and without entering the
 * in-flight table; one that returns a promise enters the table. The request timeout, when set,
 * is a deadline in a lane shared by the connection's requests (CallDeadlines), not a timer each.
 */
import type { MethodEntry } from './dispatch.js';
import { validateParams } from './dispatch.js';
import type { ConnectionHost } from './connection-host.js';
import type { ContextSource } from './request-context.js';
import type { ResolvedLimits } from './server-options.js';
import { CallDeadlines } from '../util/call-deadlines.js';
import { IdTable } from '../util/id-table.js';
import { LazyAbort } from '../util/lazy-abort.js';
import { errorMessage, idKey, resultMessage, type IdKey, type MessageId, type RequestMessage, type ResponseMessage } from '../protocol/message.js';
import { LazyRequestContext } from './request-context.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { requestTraceActive, traceRequest } from '../observability/channels.js';

/** Who sends a runner's requests: a JSON/binary `Connection`, or a text session. */
export interface RequestSource extends ContextSource {
  /** False on a token endpoint until a `$/hello` with the right token. */
  readonly authenticated: boolean;
}

/** What a runner needs from its server; a `ConnectionHost` is one (for `Connection` sources). */
export interface RunnerHost<S extends RequestSource> extends Pick<ConnectionHost, 'isClosing' | 'timers' | 'methods' | 'reportError' | 'observer'> {
  /** Read per request: `maxInFlight` (per runner) and `requestTimeoutMs` (0: none). */
  readonly limits: Pick<ResolvedLimits, 'maxInFlight' | 'requestTimeoutMs'>;
  /** A reserved `$/` request handler, or undefined (a text session has none). */
  reserved(method: string): ((params: unknown, source: S) => unknown) | undefined;
}

/**
 * The runner host of a source that has no reserved `$/` handlers of its own (text sessions, NATS
 * requests, endpoint adapters): the server's view, with these limits.
 */
export function plainRunnerHost<S extends RequestSource>(
  host: Pick<ConnectionHost, 'isClosing' | 'timers' | 'methods' | 'reportError' | 'observer'>,
  limits: RunnerHost<S>['limits'],
): RunnerHost<S> {
  return {
    isClosing: () => host.isClosing(),
    timers: host.timers,
    methods: host.methods,
    reportError: (err, site) => host.reportError(err, site),
    observer: host.observer,
    limits,
    reserved: () => undefined,
  };
}

/**
 * What a runner's requests are: `rpc`, JSON-RPC requests (JSON and binary mode: `ctx.id` is the
 * request id, an `undefined` result is sent as `null`); or `command`, text commands
 * (docs/protocol.md §5: id `null` on the request channel, `ctx.id` undefined, the result kept as
 * the handler returned it, since text replies `OK` to `undefined`).
 */
export type RunnerKind = 'rpc' | 'command';

interface InFlight {
  /** Its key in the in-flight table. */
  readonly key: IdKey;
  /** The method called (for the timeout's message). */
  readonly method: string;
  readonly controller: LazyAbort;
  /** Settles the request with this response (first call wins). */
  finish(response: ResponseMessage): void;
}

export class RequestRunner<S extends RequestSource = RequestSource> {
  private readonly conn: S;
  private readonly host: RunnerHost<S>;
  /** True for text commands (RunnerKind `command`). */
  private readonly command: boolean;
  private readonly inflight = new IdTable<IdKey, InFlight>(); // a renewed Map: see id-table.ts
  /** The hot-path request whose synchronous handler is running right now; not in `inflight` (see runPlain). */
  private running: InFlight | undefined;
  /**
   * Request timeouts, by entry (not by id: a client may use an id again once its request was
   * answered). A hot-path request gets one only when its handler returned a promise.
   */
  private readonly deadlines: CallDeadlines<InFlight>;

  /** `S` is taken from `host` (a Connection passes `this`, whose type is narrower). */
  constructor(conn: NoInfer<S>, host: RunnerHost<S>, kind: RunnerKind = 'rpc') {
    this.conn = conn;
    this.host = host;
    this.command = kind === 'command';
    this.deadlines = new CallDeadlines<InFlight>(host.timers, {
      isPending: (entry) => this.inflight.get(entry.key) === entry,
      pendingCount: () => this.inflight.size,
      expire: (entry, timeoutMs) => timeOut(entry, timeoutMs),
    });
  }

  /** Requests in flight, the one whose handler is running included. */
  get count(): number {
    return this.inflight.size + (this.running === undefined ? 0 : 1);
  }

  /** Requests waiting for an asynchronous handler. */
  get waiting(): number {
    return this.inflight.size;
  }

  /**
   * Settles every request in flight with `code`/`message` and aborts its handler's signal with
   * `reason` (default: a ResponseError of `code`/`message`).
   */
  abortAll(code: number, message: string, reason?: unknown): void {
    this.deadlines.clear();
    const entries = this.running === undefined ? this.inflight.values() : [...this.inflight.values(), this.running];
    for (const entry of entries) {
      entry.controller.abort(reason === undefined ? new ResponseError(code, message) : reason);
      entry.finish(errorMessage(null, { code, message }));
    }
  }

  /** Runs request `req` (every mode's entry): its reply, or a promise of it while the handler runs. */
  run(req: RequestMessage): Promise<ResponseMessage> | ResponseMessage {
    if (!this.conn.authenticated && req.method !== '$/hello') {
      return failReply(req.id, ErrorCodes.Unauthorized, 'unauthorized: this endpoint requires a token; send $/hello with { "protocol": 1, "token": "<token from the discovery file>" } first');
    }
    if (this.host.isClosing()) return failReply(req.id, ErrorCodes.Busy, 'server busy: shutting down');
    const { maxInFlight, requestTimeoutMs } = this.host.limits;
    if (this.inflight.size >= maxInFlight) {
      return failReply(req.id, ErrorCodes.Busy, `server busy: too many requests in flight on this connection (limit ${maxInFlight})`);
    }
    const key = idKey(req.id);
    if (this.inflight.has(key)) return failReply(req.id, ErrorCodes.InvalidRequest, `invalid request: id ${JSON.stringify(req.id)} is already in flight`);
    if (!requestTraceActive()) {
      const plain = this.plainMethod(req.method);
      if (plain !== undefined) return this.runPlain(req, key, plain, requestTimeoutMs);
    }

    return new Promise<ResponseMessage>((resolve) => {
      const controller = new LazyAbort();
      let done = false;
      const entry: InFlight = {
        key,
        method: req.method,
        controller,
        finish: (response) => {
          if (done) return;
          done = true;
          this.inflight.delete(key);
          resolve(response.id === req.id ? response : { ...response, id: req.id });
          this.host.observer?.requestDone(this.conn.clientId, req.method, req.id, started, response);
        },
      };
      this.inflight.set(key, entry);
      const started = this.host.observer?.requestStarted() ?? 0;
      if (requestTimeoutMs > 0) this.deadlines.add(entry, requestTimeoutMs);
      const work = requestTraceActive()
        ? Promise.resolve(traceRequest({ clientId: this.conn.clientId, method: req.method, id: req.id }, () => this.execute(req.method, req.params, this.contextId(req), controller)))
        : this.execute(req.method, req.params, this.contextId(req), controller);
      work.then(
        (result) => entry.finish(this.result(req.id, result)),
        (err: unknown) => {
          if (!done) entry.finish(errorMessage(req.id, this.errorFor(err, req.method)));
        },
      );
    });
  }

  /** The id a handler's context shows: the request's, or undefined for a text command. */
  private contextId(req: RequestMessage): MessageId | undefined {
    return this.command ? undefined : req.id;
  }

  /** The reply to a handler's value (see RunnerKind). */
  private result(id: MessageId, value: unknown): ResponseMessage {
    return this.command ? commandResult(id, value) : resultMessage(id, value);
  }

  /** A user method without a params schema (nothing asynchronous before its handler), or undefined. */
  private plainMethod(name: string): MethodEntry | undefined {
    if (name.startsWith('$/')) return undefined;
    const entry = this.host.methods.method(name);
    return entry !== undefined && entry.params === undefined ? entry : undefined;
  }

  /**
   * The hot path of handleRequest, for a plain method without request timeout or tracing: the
   * same steps, but a handler that returns a value (or throws) is answered at once, without a
   * promise per request; a promise it returns is awaited as usual. A synchronous handler ends
   * before another message is read, so the request enters `inflight` (a Map, and churning a Map
   * per request is costly for the garbage collector) only when its handler returned a promise;
   * while the handler runs it is `running`.
   */
  private runPlain(req: RequestMessage, key: IdKey, method: MethodEntry, timeoutMs: number): Promise<ResponseMessage> | ResponseMessage {
    let response: ResponseMessage | undefined;
    let deliver: ((response: ResponseMessage) => void) | undefined;
    const controller = new LazyAbort();
    const entry: InFlight = {
      key,
      method: req.method,
      controller,
      finish: (r) => {
        if (response !== undefined) return;
        response = r.id === req.id ? r : { ...r, id: req.id };
        this.inflight.delete(key);
        this.host.observer?.requestDone(this.conn.clientId, req.method, req.id, started, r);
        deliver?.(response);
      },
    };
    const started = this.host.observer?.requestStarted() ?? 0;
    let value: unknown;
    this.running = entry;
    try {
      value = method.handler(req.params, new LazyRequestContext(this.conn, controller, req.method, this.contextId(req)));
    } catch (err) {
      this.running = undefined;
      if (response === undefined) entry.finish(errorMessage(req.id, this.errorFor(err, req.method)));
      return response as ResponseMessage; // set by finish (now, or already when aborted meanwhile)
    }
    this.running = undefined;
    if (!isThenable(value)) {
      entry.finish(this.result(req.id, value)); // no-op when the request was already finished (aborted)
      return response as ResponseMessage;
    }
    if (response === undefined) {
      this.inflight.set(key, entry);
      if (timeoutMs > 0) this.deadlines.add(entry, timeoutMs);
    }
    const later = new Promise<ResponseMessage>((resolve) => {
      deliver = resolve;
    });
    // Handlers are attached even when the request already finished, so a late rejection is not unhandled.
    Promise.resolve(value).then(
      (result) => entry.finish(this.result(req.id, result)),
      (err: unknown) => {
        if (response === undefined) entry.finish(errorMessage(req.id, this.errorFor(err, req.method)));
      },
    );
    return response ?? later;
  }

  /** Runs `method` (reserved or user) with `params`; also for a notification sent to a request method. */
  async execute(method: string, params: unknown, id: MessageId | undefined, abort: LazyAbort): Promise<unknown> {
    if (method.startsWith('$/')) {
      const reserved = this.host.reserved(method);
      if (reserved === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `method not found: ${method}`);
      return reserved(params, this.conn);
    }
    const entry = this.host.methods.method(method);
    if (entry === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, `method not found: ${method}`);
    // No schema: no extra promise and await per request (the hot path).
    const value = entry.params === undefined ? params : await validateParams(entry, params);
    return entry.handler(value, new LazyRequestContext(this.conn, abort, method, id));
  }

  /**
   * `$/cancel` (or LSP's `$/cancelRequest`) with `params` `{ id }`: aborts that request and answers
   * it with `code`: -32002 (Cancelled) for `$/cancel`, -32800 (RequestCancelled) for `$/cancelRequest`.
   */
  cancel(params: unknown, code: number = ErrorCodes.Cancelled): void {
    if (typeof params !== 'object' || params === null || !('id' in params)) return;
    const id = (params as { id: unknown }).id;
    if (typeof id !== 'string' && typeof id !== 'number' && id !== null) return;
    const entry = this.inflight.get(idKey(id));
    if (entry === undefined) return;
    const message = 'cancelled by the client';
    entry.controller.abort(new ResponseError(code, message));
    entry.finish(errorMessage(id, { code, message }));
  }

  private errorFor(err: unknown, method: string): { code: number; message: string; data?: unknown } {
    if (err instanceof ResponseError) return err.toJSON();
    this.host.reportError(err, { clientId: this.conn.clientId, method });
    return { code: ErrorCodes.InternalError, message: `internal error in method '${method}'` };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Times out a request in flight: its handler's signal aborts and it is answered with -32003 (`finish` puts its id in). */
function timeOut(entry: InFlight, timeoutMs: number): void {
  const message = `timed out: '${entry.method}' ran longer than ${timeoutMs} ms`;
  entry.controller.abort(new ResponseError(ErrorCodes.TimedOut, message));
  entry.finish(failReply(null, ErrorCodes.TimedOut, message));
}

/** A text command's reply: the handler's value as it is (`undefined` included: text replies `OK`). */
function commandResult(id: MessageId, value: unknown): ResponseMessage {
  return { jsonrpc: '2.0', id, result: value };
}

/** An error reply to request `id`. */
function failReply(id: MessageId, code: number, message: string): ResponseMessage {
  return errorMessage(id, { code, message });
}
