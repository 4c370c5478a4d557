/**
 * The client side of a `nats://` endpoint (docs/nats.md): a `MessageStream` whose far end is a
 * sidewire server reached through NATS, so the `Client` (calls, queue, timeouts, subscriptions,
 * durable spool, reconnect with backoff and status events) works unchanged on top of it.
 * - A request `method` is published on `<service>.rpc.<method>` with a reply subject under this
 *   stream's own inbox (`<inbox>.<id>`); the JSON-RPC reply comes back there. Call timeouts are
 *   the client's own (a late reply to a call that timed out is ignored, as on a socket).
 * - `$/subscribe` / `$/unsubscribe` (and `$/hello`'s `subscribe`) become NATS subscriptions on
 *   `<service>.evt.…`; each event is delivered once even when several patterns match it.
 * - `$/durable` batches are published to JetStream with the message id as `Nats-Msg-Id`, so a
 *   batch sent twice (a reconnect during the ack) is stored once.
 * - The NATS connection does not reconnect by itself: when it drops, this stream closes and the
 *   client's reconnect policy (docs/reconnect.md) makes a new one.
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { NatsEndpoint } from '../endpoint/nats-url.js';
import { connectNats, natsModule } from '../transport/nats/nats-connect.js';
import type { NatsOptions } from '../transport/nats/nats-options.js';
import { ensureDurableStream, jetStreamModule } from '../transport/nats/jetstream.js';
import { CLIENT_ID_HEADER, durableSubject, eventPatternSubject, rpcSubject, topicOf } from '../transport/nats/subjects.js';
import { createError } from '../errors.js';
import { topicMatches } from '../protocol/topics.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { MessageStream, MessageStreamHandlers, SendOutcome } from '../stream/message-stream.js';
import { PreparedMessage } from '../stream/prepared-message.js';

type Call = { id?: number | string | null; method?: string; params?: unknown };

export class NatsClientStream implements MessageStream {
  readonly mode = 'json' as const;
  readonly droppedEvents = 0;
  private handlers: MessageStreamHandlers | undefined;
  private readonly early: unknown[] = [];
  private open = true;
  private clientId: string | undefined;
  private readonly inbox: string;
  private readonly patterns = new Map<string, Subscription>();
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly nats: typeof import('@nats-io/transport-node'),
    private readonly service: string,
    private readonly maxMessageBytes: number,
  ) {
    this.inbox = nats.createInbox();
    nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => {
      if (err === null) this.onReply(msg);
    } });
    void nc.closed().then((err) => this.finish(err ?? undefined));
  }

  /** Joins NATS for one client connection. @throws ConnectionError ERR_NOT_RUNNING / ERR_CONNECT, ERR_DEPENDENCY_MISSING */
  static async open(endpoint: NatsEndpoint, service: string, options: { nats?: NatsOptions | undefined; maxMessageBytes: number; timeoutMs: number }): Promise<NatsClientStream> {
    const nats = await natsModule();
    const nc = await connectNats(endpoint, { connectTimeoutMs: options.timeoutMs, ...options.nats }, { reconnect: false, name: `sidewire ${service} client` });
    return new NatsClientStream(nc, nats, service, options.maxMessageBytes);
  }

  get isOpen(): boolean {
    return this.open;
  }

  get bufferedBytes(): number {
    return 0; // nats.js writes through its own buffer, flushed every turn
  }

  /** Nothing stays buffered here (nats.js flushes every turn), so the waiter runs at once. */
  whenBelow(_limit: number, callback: (() => void) | undefined): void {
    if (callback !== undefined) queueMicrotask(() => this.open && callback());
  }

  start(handlers: MessageStreamHandlers): void {
    this.handlers = handlers;
    for (const m of this.early.splice(0)) handlers.onMessage(m);
  }

  send(message: object | PreparedMessage): SendOutcome {
    const m = (message instanceof PreparedMessage ? message.message : message) as Call;
    return this.sendCall(m.id ?? undefined, m.method ?? '', m.params);
  }

  sendCall(id: number | string | undefined, method: string, params: unknown): SendOutcome {
    if (!this.open) return 'closed';
    if (id === undefined) {
      if (method !== '$/cancel' && method !== '$/cancelRequest') this.publish(rpcSubject(this.service, method), { jsonrpc: '2.0', method, params });
      return 'queued';
    }
    switch (method) {
      case '$/subscribe':
      case '$/unsubscribe':
        this.local(id, () => ({ topics: this.changeTopics(method === '$/subscribe', (params as { topics?: unknown })?.topics) }));
        break;
      case '$/durable':
        void this.durable(id, params);
        break;
      default:
        this.publish(rpcSubject(this.service, method), { jsonrpc: '2.0', id, method, params: method === '$/hello' ? withoutSubscribe(params) : params }, `${this.inbox}.${String(id)}`);
        if (method === '$/hello') this.changeTopics(true, (params as { subscribe?: unknown })?.subscribe ?? []);
    }
    return 'queued';
  }

  close(): void {
    if (!this.open) return;
    void this.nc.drain().catch(() => this.nc.close());
  }

  destroy(error?: Error): void {
    if (!this.open) return;
    void this.nc.close();
    this.finish(error);
  }

  private publish(subject: string, message: object, reply?: string): void {
    let data: Uint8Array;
    try {
      data = this.encoder.encode(JSON.stringify(message));
    } catch (err) {
      throw createError('ERR_ENCODE', `cannot encode the message for ${subject} as JSON: ${(err as Error).message}`, { cause: err, fixes: ['pass JSON-compatible params'] });
    }
    if (data.length > this.maxMessageBytes) throw createError('ERR_MESSAGE_TOO_LARGE', `message of ${data.length} bytes for ${subject} is over the limit of ${this.maxMessageBytes}`, { fixes: ['send less per message'] });
    const natsLimit = this.nc.info?.max_payload;
    if (natsLimit !== undefined && data.length > natsLimit) {
      // nats.js would throw a bare error; the NATS server's max_payload is a limit of its own (docs/nats.md "Security")
      throw createError('ERR_MESSAGE_TOO_LARGE', `message of ${data.length} bytes for ${subject} is over the NATS server's max_payload of ${natsLimit} bytes`, {
        fixes: ['send less per message', "or raise max_payload in the NATS server's configuration"],
        details: { limit: natsLimit, bytes: data.length },
      });
    }
    this.nc.publish(subject, data, { ...(reply === undefined ? {} : { reply }), headers: this.headers() });
  }

  private headers(): MsgHdrs {
    const h = this.nats.headers();
    if (this.clientId !== undefined) h.set(CLIENT_ID_HEADER, this.clientId);
    return h;
  }

  private onReply(msg: Msg): void {
    const id = decodeId(msg.subject.slice(this.inbox.length + 1));
    if (msg.headers?.code === 503) {
      // NATS' "no responders": nothing subscribes to <service>.rpc.> (NO_RESPONDERS in docs/nats.md)
      const message = `no sidewire server for service "${this.service}" is on this NATS server`;
      return this.deliver({ jsonrpc: '2.0', id, error: { code: ErrorCodes.Busy, message, data: { noResponders: true, service: this.service } } });
    }
    if (msg.data.length > this.maxMessageBytes) {
      return this.deliver({ jsonrpc: '2.0', id, error: { code: ErrorCodes.TooLarge, message: `reply of ${msg.data.length} bytes is over the client's maxMessageBytes (${this.maxMessageBytes})` } });
    }
    let reply: { result?: { clientId?: unknown } };
    try {
      reply = msg.json();
    } catch {
      this.handlers?.onFrameError({ kind: 'parse', message: 'a reply over NATS is not JSON', bytes: msg.data.length });
      return;
    }
    if (typeof reply?.result?.clientId === 'string' && this.clientId === undefined) this.clientId = reply.result.clientId;
    this.deliver({ ...reply, id });
  }

  private onEvent(pattern: string, msg: Msg): void {
    const topic = topicOf(this.service, msg.subject);
    if (topic === undefined || msg.data.length > this.maxMessageBytes) return;
    for (const p of this.patterns.keys()) {
      if (!topicMatches(p, topic)) continue;
      if (p !== pattern) return; // an earlier pattern's subscription delivers it
      break;
    }
    let params: unknown;
    try {
      params = msg.data.length === 0 ? undefined : msg.json();
    } catch {
      return;
    }
    this.deliver({ jsonrpc: '2.0', method: topic, params });
  }

  private changeTopics(add: boolean, topics: unknown): string[] {
    for (const t of Array.isArray(topics) ? topics : []) {
      if (typeof t !== 'string') continue;
      if (add && !this.patterns.has(t)) {
        this.patterns.set(t, this.nc.subscribe(eventPatternSubject(this.service, t), { callback: (err, msg) => {
          if (err === null) this.onEvent(t, msg);
        } }));
      } else if (!add) {
        this.patterns.get(t)?.unsubscribe();
        this.patterns.delete(t);
      }
    }
    return [...this.patterns.keys()];
  }

  private async durable(id: number | string, params: unknown): Promise<void> {
    const messages = (params as { messages?: unknown })?.messages;
    try {
      if (!Array.isArray(messages)) throw new Error('$/durable takes { messages: [...] }');
      const js = (await jetStreamModule()).jetstream(this.nc);
      await ensureDurableStream(this.nc, this.service);
      let duplicates = 0;
      for (const m of messages as Array<{ id: string; method: string }>) {
        const ack = await js.publish(durableSubject(this.service, m.method), JSON.stringify(m), { msgID: m.id, headers: this.headers() });
        if (ack.duplicate) duplicates++;
      }
      this.deliver({ jsonrpc: '2.0', id, result: { delivered: messages.length - duplicates, duplicates } });
    } catch (err) {
      this.deliver({ jsonrpc: '2.0', id, error: { code: ErrorCodes.InternalError, message: `durable publish to JetStream failed: ${(err as Error).message}` } });
    }
  }

  /** Answers a request here; after a flush, so new subscriptions are in force at the NATS server once it resolves. */
  private local(id: number | string, result: () => unknown): void {
    try {
      const value = result();
      this.nc.flush().then(
        () => this.deliver({ jsonrpc: '2.0', id, result: value }),
        (err: unknown) => this.deliver({ jsonrpc: '2.0', id, error: { code: ErrorCodes.InternalError, message: `NATS flush failed: ${(err as Error).message}` } }),
      );
    } catch (err) {
      queueMicrotask(() => this.deliver({ jsonrpc: '2.0', id, error: { code: ErrorCodes.InvalidParams, message: (err as Error).message } }));
    }
  }

  private deliver(message: object): void {
    if (!this.open) return;
    if (this.handlers === undefined) this.early.push(message);
    else this.handlers.onMessage(message);
  }

  private finish(error: Error | undefined): void {
    if (!this.open) return;
    this.open = false;
    this.handlers?.onClose(error === undefined ? { hadError: false } : { hadError: true, error });
  }
}

/** Reply subjects carry the request id; ids the client makes are integers. */
function decodeId(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function withoutSubscribe(params: unknown): unknown {
  if (typeof params !== 'object' || params === null) return params;
  const { subscribe: _subscribe, token: _token, ...rest } = params as Record<string, unknown>;
  return rest;
}
