/**
 * The client side of one live connection: outgoing requests with ids, their pending promises,
 * timeouts and cancellation (`$/cancel`), and incoming notifications. Knows nothing about
 * endpoints or reconnecting: `Client` creates one session per connection.
 */
import type { ShmCounters } from '../stream/binary/shm-link.js';
import { SidewireError, connectionLost, createError, encodeFailed, type TimeoutError } from '../errors.js';
import { messageKind, notificationMessage, type NotificationMessage, type RequestMessage, type ResponseMessage } from '../protocol/message.js';
import type { MessageStream, StreamCloseInfo, StreamFrameError } from '../stream/message-stream.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { CallDeadlines } from '../util/call-deadlines.js';
import { IdTable } from '../util/id-table.js';
import type { Timers } from '../util/timers.js';

export interface RequestOptions {
  /** Reject with TimeoutError ERR_TIMEOUT (and send `$/cancel`) after this long; 0 = never. */
  readonly timeoutMs: number;
  /** Aborting rejects with the signal's reason and sends `$/cancel`. */
  readonly signal?: AbortSignal | undefined;
}

export interface SessionHandlers {
  /** A notification from the server (an event: method = topic). */
  onNotification(method: string, params: unknown): void;
  /** An error the server sent without an id (e.g. -32004 too large, -32005 busy), or a bad frame. */
  onPeerError(error: ResponseError): void;
  /** The connection closed; pending calls were already rejected. */
  onClose(info: StreamCloseInfo): void;
}

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class RpcSession {
  private readonly stream: MessageStream;
  private readonly handlers: SessionHandlers;
  private readonly describeEndpoint: string;
  private readonly pending = new IdTable<number, Pending>(); // a renewed Map: see id-table.ts
  /** Call timeouts: one timer per timeout length, not per call. */
  private readonly deadlines: CallDeadlines;
  private nextId = 1;
  private closedBy: 'local' | undefined;
  private lastPeerError: ResponseError | undefined;

  constructor(stream: MessageStream, handlers: SessionHandlers, options: { timers: Timers; endpoint: string }) {
    this.stream = stream;
    this.handlers = handlers;
    this.describeEndpoint = options.endpoint;
    this.deadlines = new CallDeadlines(options.timers, {
      isPending: (id) => this.pending.has(id),
      pendingCount: () => this.pending.size,
      expire: (id, timeoutMs) => this.expire(id, timeoutMs),
    });
    stream.start({
      onMessage: (value) => this.onMessage(value),
      onFrameError: (e) => this.onFrameError(e),
      onClose: (info) => this.onClose(info),
    });
  }

  get isOpen(): boolean {
    return this.stream.isOpen;
  }

  /** The wire mode of the connection. */
  get mode(): 'json' | 'binary' | 'lsp' {
    return this.stream.mode;
  }

  /** Bytes sent and not yet taken by the OS (or, for the shared ring, released by the peer). */
  get bufferedBytes(): number {
    return this.stream.bufferedBytes;
  }

  /** Calls `callback` once `bufferedBytes` is at or below `limit` (one waiter; see MessageStream.whenBelow). */
  whenBelow(limit: number, callback: () => void): void {
    this.stream.whenBelow(limit, callback);
  }

  /** The stream's shared-memory side channel, when it has one (binary mode). */
  get sharedMemory(): ShmCounters | undefined {
    return this.stream.sharedMemory;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** The last id-less error the server sent (e.g. "server busy"), for error messages. */
  get lastServerError(): ResponseError | undefined {
    return this.lastPeerError;
  }

  /** Sends a request; settles with its result, a ResponseError, a TimeoutError or a ConnectionError. */
  request(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!this.stream.isOpen) return Promise.reject(this.closedError(method));
    const id = this.nextId++;
    const reply = signal === undefined ? this.plainRequest(id, method, params) : this.abortableRequest(id, method, params, signal);
    if (timeoutMs > 0) this.deadlines.add(id, timeoutMs);
    return reply;
  }

  /** A request an AbortSignal may cancel: it leaves the pending table and its listener goes, however it ends. */
  private abortableRequest(id: number, method: string, params: unknown, signal: AbortSignal): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const cleanup = (): void => {
        this.pending.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (!this.pending.has(id)) return;
        cleanup();
        this.trySend(notificationMessage('$/cancel', { id }));
        reject(abortReason(signal));
      };
      this.pending.set(id, {
        method,
        resolve: (v) => {
          cleanup();
          resolve(v);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.stream.sendCall(id, method, params);
      } catch (err) {
        this.pending.get(id)?.reject(sendError(method, err));
      }
    });
  }

  /** A request without a signal (the hot path): no timer (see CallDeadlines), no listener, no closures of its own. */
  private plainRequest(id: number, method: string, params: unknown): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      try {
        this.stream.sendCall(id, method, params);
      } catch (err) {
        this.pending.delete(id);
        reject(sendError(method, err));
      }
    });
  }

  /** Call `id`'s deadline passed: like an abort, it is cancelled at the server and rejected with ERR_TIMEOUT (an abortable call's `reject` also removes its listener). */
  private expire(id: number, timeoutMs: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    this.trySend(notificationMessage('$/cancel', { id }));
    p.reject(timeoutError(p.method, timeoutMs, this.describeEndpoint));
  }

  /** Sends a notification (fire and forget). */
  notify(method: string, params: unknown): void {
    if (!this.stream.isOpen) throw this.closedError(method);
    try {
      this.stream.sendCall(undefined, method, params);
    } catch (err) {
      throw sendError(method, err);
    }
  }

  /** Rejects every pending call with ERR_CONNECTION_CLOSED and closes the connection. */
  close(): void {
    this.closedBy = 'local';
    this.rejectAll(() => this.closedError());
    this.deadlines.clear();
    this.stream.close();
  }

  private trySend(message: object): void {
    try {
      if (this.stream.isOpen) this.stream.send(message);
    } catch {
      // nothing sensible to do: the peer will time the request out
    }
  }

  private rejectAll(make: (p: Pending) => unknown): void {
    for (const p of [...this.pending.values()]) p.reject(make(p));
    this.pending.clear(); // plain requests do not remove themselves
  }

  private closedError(method?: string): SidewireError {
    if (this.closedBy === 'local') {
      return createError('ERR_CONNECTION_CLOSED', method === undefined ? 'the client was closed' : `cannot call '${method}': the client was closed`, {
        fixes: ['connect again with connect()', 'do not use a client after close()'],
      });
    }
    return this.lostError(method);
  }

  private lostError(method?: string): SidewireError {
    const peer = this.lastPeerError;
    return connectionLost({
      endpoint: this.describeEndpoint,
      during: method === undefined ? 'the call' : `'${method}'`,
      ...(peer === undefined ? {} : { why: `the server said: ${peer.message}`, details: { serverError: peer.toJSON() } }),
    });
  }

  private onMessage(value: unknown): void {
    if (!Array.isArray(value)) {
      this.onItem(value); // no array per message
      return;
    }
    for (const item of value) this.onItem(item);
  }

  private onItem(item: unknown): void {
    const kind = messageKind(item);
    if (kind === 'response') this.onResponse(item as ResponseMessage);
    else if (kind === 'notification') this.handlers.onNotification((item as NotificationMessage).method, (item as NotificationMessage).params);
    else if (kind === 'request') {
      // This client serves no methods.
      this.trySend({ jsonrpc: '2.0', id: (item as RequestMessage).id, error: { code: ErrorCodes.MethodNotFound, message: 'method not found: clients serve no methods' } });
    }
  }

  private onResponse(response: ResponseMessage): void {
    const p = typeof response.id === 'number' ? this.pending.get(response.id) : undefined;
    if (p !== undefined) this.pending.delete(response.id as number); // before settling: plain requests do not remove themselves
    if ('error' in response) {
      const error = ResponseError.fromObject(response.error);
      if (p !== undefined) p.reject(error);
      else if (response.id === null) {
        this.lastPeerError = error;
        this.handlers.onPeerError(error);
      }
      return;
    }
    p?.resolve(response.result);
  }

  private onFrameError(e: StreamFrameError): void {
    const code = e.kind === 'too-large' ? ErrorCodes.TooLarge : e.kind === 'invalid' ? ErrorCodes.InvalidRequest : ErrorCodes.ParseError;
    const error = new ResponseError(code, `bad message from the server: ${e.message}`);
    // A reply holding what the protocol refuses (a `__proto__` key...) still settles its call.
    const p = typeof e.id === 'number' ? this.pending.get(e.id) : undefined;
    if (p === undefined) {
      this.handlers.onPeerError(error);
      return;
    }
    this.pending.delete(e.id as number);
    p.reject(error);
  }

  private onClose(info: StreamCloseInfo): void {
    this.deadlines.clear();
    this.rejectAll((p) => (this.closedBy === 'local' ? this.closedError(p.method) : this.lostError(p.method)));
    this.handlers.onClose(info);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

function timeoutError(method: string, timeoutMs: number, endpoint: string): TimeoutError {
  return createError('ERR_TIMEOUT', `call '${method}' to ${endpoint} timed out after ${timeoutMs} ms (a $/cancel was sent)`, {
    fixes: [
      `if '${method}' is slow by nature, raise the timeout for this call: call(method, params, { timeoutMs: ${timeoutMs * 4} }) (0 = no timeout)`,
      'check that the server is not stuck: `sidewire call $/ping`',
    ],
    details: { method, timeoutMs, endpoint },
  });
}

/** Why a message could not be sent: sidewire's own errors as they are, encoding failures as ERR_ENCODE naming the call. */
function sendError(method: string, err: unknown): Error {
  if (err instanceof SidewireError && err.code !== 'ERR_ENCODE') return err;
  return encodeFailed(`the params of '${method}'`, err instanceof SidewireError && err.cause !== undefined ? err.cause : err);
}
