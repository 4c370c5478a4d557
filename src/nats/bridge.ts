/**
 * A bridge from a running local server to NATS (docs/nats.md "Bridge"): remote consumers call the
 * local daemon's methods on `<service>.rpc.<method>` and receive its events on
 * `<service>.evt.<topic>`, while local clients keep using the local endpoint unchanged. The bridge
 * is an ordinary local client (it says hello, so the daemon sees it in `$/stats`), and one member
 * of the service's queue group on NATS; run several for availability. Durable notifications
 * published to the service's JetStream stream are handed to the local server's `$/durable`
 * (its seen log drops a message delivered twice) and acknowledged once it answered.
 *
 * ```ts
 * const b = await bridge({ from: { app: 'myapp' }, to: 'nats://127.0.0.1:4222', service: 'myapp' });
 * // …
 * await b.close();
 * ```
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { connect, type Client } from '../client/client.js';
import type { ClientOptions } from '../client/client-options.js';
import { parseNatsEndpoint } from '../endpoint/nats-url.js';
import { connectNats } from '../transport/nats/nats-connect.js';
import type { NatsOptions } from '../transport/nats/nats-options.js';
import { checkService, eventSubject, methodOf, rpcWildcard } from '../transport/nats/subjects.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { PROTOCOL_VERSION } from '../version.js';
import { NatsDurableConsumer } from '../server/nats-durable.js';

export interface BridgeOptions {
  /** How to reach the local server (a `connect()` options object: app, name, endpoint, token…). */
  readonly from: ClientOptions;
  /** The NATS server, `nats://host:port`. */
  readonly to: string;
  /**
   * The service name on NATS.
   * @default the local app name
   */
  readonly service?: string;
  /**
   * NATS credentials and TLS.
   * @default {}
   */
  readonly nats?: NatsOptions;
  /**
   * Topic patterns forwarded from the local server to NATS.
   * @default ['*'] (every topic)
   */
  readonly topics?: readonly string[];
  /**
   * Take the service's durable notifications from JetStream and hand them to the local server's
   * `$/durable` (acknowledged once it recorded them); needs `@nats-io/jetstream` and JetStream.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * Problems without a caller (a durable message that is not valid JSON or that the local server
   * refused as malformed: it is dropped from JetStream).
   * @default ignored
   */
  readonly onError?: (err: unknown) => void;
}

/** A running bridge. */
export interface Bridge {
  readonly service: string;
  /** The local client (its status events say when the local daemon goes away and comes back). */
  readonly local: Client;
  /** Stops answering on NATS, then closes both sides. */
  close(): Promise<void>;
}

/** Starts a bridge. @throws what `connect()` and joining NATS throw (ERR_NOT_RUNNING, ERR_DEPENDENCY_MISSING…) */
export async function bridge(options: BridgeOptions): Promise<Bridge> {
  const service = checkService(options.service ?? options.from.app ?? 'sidewire');
  const endpoint = parseNatsEndpoint(options.to);
  const local = await connect(options.from);
  let nc: NatsConnection;
  try {
    nc = await connectNats(endpoint, options.nats, { reconnect: true, name: `sidewire ${service} bridge` });
  } catch (err) {
    await local.close();
    throw err;
  }
  const inFlight = new Set<Promise<void>>();
  const sub: Subscription = nc.subscribe(rpcWildcard(service), {
    queue: service,
    callback: (err, msg) => {
      if (err !== null) return;
      // a notification refused locally (ERR_QUEUE_FULL while the daemon is away) must not end the process
      const work = forward(local, service, msg, nc.info?.max_payload).catch((err: unknown) => options.onError?.(err));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });
  for (const pattern of options.topics ?? ['*']) {
    await local.subscribe(pattern, (data: unknown, topic: string) => {
      if (!nc.isClosed()) nc.publish(eventSubject(service, topic), JSON.stringify(data ?? null));
    });
  }
  let consumer: NatsDurableConsumer | undefined;
  if (options.durable !== false) {
    consumer = new NatsDurableConsumer(nc, service, { handle: (params) => local.call('$/durable', params) as Promise<{ delivered: number; duplicates: number }> }, options.onError ?? (() => undefined));
    try {
      await consumer.start();
    } catch (err) {
      sub.unsubscribe();
      await nc.close().catch(() => undefined);
      await local.close();
      throw err;
    }
  }
  await nc.flush();
  return {
    service,
    local,
    async close() {
      sub.unsubscribe();
      await consumer?.stop();
      await Promise.allSettled([...inFlight]);
      await nc.drain().catch(() => undefined);
      await local.close();
    },
  };
}

/** Answers one NATS request (or runs one notification) through the local client. */
async function forward(local: Client, service: string, msg: Msg, maxPayload: number | undefined): Promise<void> {
  const respond = (response: object): void => reply(msg, response, maxPayload);
  const method = methodOf(service, msg.subject);
  if (method === undefined) return;
  let body: unknown;
  try {
    body = msg.data.length === 0 ? undefined : msg.json();
  } catch {
    return respond({ jsonrpc: '2.0', id: null, error: { code: ErrorCodes.ParseError, message: 'parse error: the payload is not JSON' } });
  }
  const framed = typeof body === 'object' && body !== null && (body as { jsonrpc?: unknown }).jsonrpc === '2.0';
  const id = framed ? ((body as { id?: unknown }).id ?? null) : null;
  const params = framed ? (body as { params?: unknown }).params : body;
  if (!msg.reply) {
    if (!method.startsWith('$/')) local.notify(method, params);
    return;
  }
  if (method === '$/hello') {
    const info = local.serverInfo;
    return respond({
      jsonrpc: '2.0',
      id,
      result: { protocol: PROTOCOL_VERSION, clientId: local.clientId, pid: info?.pid, ppid: info?.ppid, server: info?.server, capabilities: { ...info?.capabilities, modes: ['nats'], batch: false, sharedMemory: false, transport: 'nats', bridge: true, service } },
    });
  }
  try {
    const result = await local.call(method, params);
    respond({ jsonrpc: '2.0', id, result: result ?? null });
  } catch (err) {
    const error = err instanceof ResponseError ? err.toJSON() : { code: ErrorCodes.InternalError, message: `the local server could not be reached: ${(err as Error).message}`, data: { code: (err as { code?: unknown }).code } };
    respond({ jsonrpc: '2.0', id, error });
  }
}

/** Sends a reply; one over the NATS server's max_payload becomes -32004 (NATS would refuse it and the caller would wait). */
function reply(msg: Msg, response: object, maxPayload: number | undefined): void {
  try {
    let text = JSON.stringify(response);
    if (maxPayload !== undefined && Buffer.byteLength(text) > maxPayload) {
      const id = (response as { id?: unknown }).id ?? null;
      text = JSON.stringify({ jsonrpc: '2.0', id, error: { code: ErrorCodes.TooLarge, message: `result too large: ${Buffer.byteLength(text)} bytes is over the NATS server's max_payload of ${maxPayload}`, data: { limit: maxPayload } } });
    }
    msg.respond(text);
  } catch {
    // NATS closed meanwhile: the caller's own timeout reports it
  }
}
