/**
 * A server on a `nats://` endpoint (docs/nats.md): its method table served on NATS request/reply
 * subjects `<service>.rpc.<method>` in a queue group named after the service (several instances
 * share the load), its topics published on `<service>.evt.<topic>`, and its durable notifications
 * taken from JetStream (nats-durable.ts). Every request goes through the server's one request
 * runner, so limits, validation, timeouts and error shapes are those of JSON mode.
 *
 * A request's payload is a JSON-RPC 2.0 request (its `id` is echoed) or bare params (plain NATS
 * tools: `nats req demo.rpc.echo '{"a":1}'`; the reply's `id` is then null); the reply is always a
 * JSON-RPC response. A message without a reply subject is a notification.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { isNatsEndpoint, parseNatsEndpoint, type NatsEndpoint } from '../endpoint/nats-url.js';
import { createError } from '../errors.js';
import { checkService } from '../transport/nats/subjects.js';
import type { ServerOptions } from './server-options.js';
import { currentUser, ensureRuntimeDir, runtimeDirFor } from '../endpoint/runtime-dir.js';
import { connectNats, type NatsOptions } from '../transport/nats/nats-connect.js';
import { CLIENT_ID_HEADER, eventSubject, methodOf, rpcWildcard } from '../transport/nats/subjects.js';
import { errorMessage as errorObject, type MessageId, type ResponseMessage } from '../protocol/message.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { ClientInfo } from '../protocol/client-info.js';
import { PROTOCOL_VERSION } from '../version.js';
import { plainRunnerHost, RequestRunner, type RequestSource, type RunnerHost } from './request-runner.js';
import type { ConnectionHost } from './connection-host.js';
import type { DurableIngest } from './durable/durable-ingest.js';
import type { DurablePathInputs } from '../spool/paths.js';
import { NatsDurableConsumer } from './nats-durable.js';
import { newClientId } from './client-id.js';

/** The clientId handlers see for peers that did not say hello (plain NATS tools). */
const ANONYMOUS = 'nats';
/** Runners kept for distinct clients; the oldest idle one goes first beyond this. */
const MAX_RUNNERS = 1024;

export interface NatsModeHost extends Pick<ConnectionHost, 'isClosing' | 'timers' | 'methods' | 'reportError' | 'observer' | 'limits'> {
  readonly info: { readonly name: string; readonly version: string };
  capabilities(): Record<string, unknown>;
  readonly durable: DurableIngest;
  /** `$/stats` and other reserved handlers that do not need a socket connection. */
  stats(): unknown;
  /** Where the durable seen log and spool dir live (spool/paths.ts). */
  readonly durablePaths: () => DurablePathInputs;
}

export class NatsServerMode {
  private nc: NatsConnection | undefined;
  private sub: Subscription | undefined;
  private durableConsumer: NatsDurableConsumer | undefined;
  private readonly runners = new Map<string, RequestRunner<RequestSource>>();
  private readonly runnerHost: RunnerHost<RequestSource>;
  private readonly pending = new Set<Promise<unknown>>();
  private seq = 0;

  constructor(
    private readonly host: NatsModeHost,
    readonly endpoint: NatsEndpoint,
    readonly service: string,
    private readonly natsOptions: NatsOptions | undefined,
  ) {
    this.runnerHost = plainRunnerHost(host, host.limits); // `$/` methods are answered in handle(), below
  }

  /** Joins NATS, subscribes to the service's request subjects, starts the durable consumer. */
  async start(): Promise<void> {
    const nc = await connectNats(this.endpoint, this.natsOptions, { reconnect: true, name: `sidewire ${this.service} server` });
    this.nc = nc;
    this.sub = nc.subscribe(rpcWildcard(this.service), { queue: this.service, callback: (err, msg) => {
      if (err === null) this.track(this.handle(msg));
    } });
    const paths = this.host.durablePaths();
    ensureRuntimeDir(paths.runtimeDir, currentUser().uid); // the pid file and the seen log live there
    if (this.host.durable.isEnabled) {
      this.host.durable.start(paths);
      this.durableConsumer = new NatsDurableConsumer(nc, this.service, this.host.durable, (err) => this.host.reportError(err, { clientId: ANONYMOUS, method: '$/durable' }));
      await this.durableConsumer.start();
    }
    await nc.flush();
  }

  /** The daemon kit rebinds to the endpoint it was given before listening: the same NATS server is a no-op; another is refused. */
  rebind(endpoint: unknown): Promise<void> {
    if (isNatsEndpoint(endpoint) && parseNatsEndpoint(endpoint).url === this.endpoint.url) return Promise.resolve();
    return Promise.reject(createError('ERR_INVALID_ARGUMENT', `a server on ${this.endpoint.url} cannot move to another endpoint`, { fixes: ['close it and create a new server'] }));
  }

  /** Publishes an event on `<service>.evt.<topic>`; 1 when handed to NATS, 0 when not connected. */
  publish(topic: string, data: unknown): number {
    if (this.nc === undefined || this.nc.isClosed()) return 0;
    this.nc.publish(eventSubject(this.service, topic), JSON.stringify(data ?? null));
    return 1;
  }

  /** Stops taking requests, lets those in flight finish within `deadlineMs`, then leaves NATS. */
  async close(deadlineMs: number): Promise<void> {
    const nc = this.nc;
    if (nc === undefined) return;
    this.sub?.unsubscribe();
    await this.durableConsumer?.stop();
    const settled = Promise.allSettled([...this.pending]);
    let timer: ReturnType<Timers['setTimeout']> | undefined;
    await Promise.race([settled, new Promise<void>((resolve) => (timer = this.host.timers.setTimeout(resolve, deadlineMs)))]);
    if (timer !== undefined) this.host.timers.clearTimeout(timer);
    for (const runner of this.runners.values()) runner.abortAll(ErrorCodes.Busy, 'server busy: shutting down');
    await settled;
    await nc.flush().catch(() => undefined);
    await nc.close().catch(() => undefined);
    this.nc = undefined;
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** One request or notification from NATS. Never throws: failures are replied or reported. */
  private async handle(msg: Msg): Promise<void> {
    const method = methodOf(this.service, msg.subject);
    const reply = (response: ResponseMessage): void => {
      if (msg.reply) this.respond(msg, response);
    };
    if (method === undefined) return;
    if (msg.data.length > this.host.limits.maxMessageBytes) {
      reply(errorMessage(null, ErrorCodes.TooLarge, `message too large: ${msg.data.length} bytes (limit ${this.host.limits.maxMessageBytes})`, { limit: this.host.limits.maxMessageBytes }));
      return;
    }
    let body: unknown;
    try {
      body = msg.data.length === 0 ? undefined : JSON.parse(msg.string());
    } catch {
      reply(errorMessage(null, ErrorCodes.ParseError, 'parse error: the payload is not JSON'));
      return;
    }
    const framed = isRequestObject(body);
    const id: MessageId = framed ? ((body as { id?: MessageId }).id ?? null) : null;
    const params = framed ? (body as { params?: unknown }).params : body;
    const clientId = msg.headers?.get(CLIENT_ID_HEADER) || ANONYMOUS;
    if (!msg.reply) return this.notification(method, params, clientId);
    if (method.startsWith('$/')) return reply(await this.reserved(method, params, id, clientId));
    const runner = this.runnerFor(clientId);
    const response = await runner.run({ jsonrpc: '2.0', id: ++this.seq, method, params });
    reply({ ...response, id } as ResponseMessage);
  }

  /** `$/hello`, `$/ping`, `$/stats` and `$/durable` over NATS; other `$/` methods do not exist here. */
  private async reserved(method: string, params: unknown, id: MessageId, clientId: string): Promise<ResponseMessage> {
    const ok = (result: unknown): ResponseMessage => ({ jsonrpc: '2.0', id, result }) as ResponseMessage;
    switch (method) {
      case '$/hello':
        return ok({
          protocol: PROTOCOL_VERSION,
          clientId: newClientId(this.runners),
          pid: process.pid,
          ppid: process.ppid,
          server: this.host.info,
          capabilities: { ...this.host.capabilities(), modes: ['nats'], batch: false, sharedMemory: false, transport: 'nats', service: this.service },
        });
      case '$/ping':
        return ok({ time: this.host.timers.now() });
      case '$/stats':
        return ok(this.host.stats());
      case '$/durable':
        try {
          return ok(await this.host.durable.handle(params, this.source(clientId)));
        } catch (err) {
          const e = err as { code?: number; message?: string };
          return errorMessage(id, typeof e.code === 'number' ? e.code : ErrorCodes.InternalError, e.message ?? 'internal error');
        }
      default:
        return errorMessage(id, ErrorCodes.MethodNotFound, `method not found: ${method} (not available over NATS)`);
    }
  }

  private async notification(method: string, params: unknown, clientId: string): Promise<void> {
    if (method.startsWith('$/')) return;
    const handler = this.host.methods.notification(method);
    try {
      if (handler !== undefined) await handler(params, { clientId, connection: this.source(clientId).info(), method, peer: undefined }); // NATS has no peer credentials
      else if (this.host.methods.method(method) !== undefined) await this.runnerFor(clientId).run({ jsonrpc: '2.0', id: ++this.seq, method, params });
    } catch (err) {
      this.host.reportError(err, { clientId, method });
    }
  }

  private respond(msg: Msg, response: ResponseMessage): void {
    let text: string;
    try {
      text = JSON.stringify(response);
    } catch (err) {
      this.host.reportError(err, { clientId: ANONYMOUS, method: msg.subject });
      text = JSON.stringify(errorMessage(response.id, ErrorCodes.InternalError, 'internal error: the result cannot be encoded as JSON'));
    }
    const natsLimit = this.nc?.info?.max_payload;
    if (natsLimit !== undefined && Buffer.byteLength(text) > natsLimit) {
      // NATS would refuse it and the caller would wait for its timeout: say why at once (docs/nats.md "Security")
      text = JSON.stringify(errorMessage(response.id, ErrorCodes.TooLarge, `result too large: ${Buffer.byteLength(text)} bytes is over the NATS server's max_payload of ${natsLimit}`, { limit: natsLimit }));
    }
    try {
      msg.respond(text);
    } catch (err) {
      this.host.reportError(err, { clientId: ANONYMOUS, method: msg.subject }); // NATS closed meanwhile
    }
  }

  private runnerFor(clientId: string): RequestRunner<RequestSource> {
    let runner = this.runners.get(clientId);
    if (runner !== undefined) {
      this.runners.delete(clientId); // keep the map in recency order
      this.runners.set(clientId, runner);
      return runner;
    }
    if (this.runners.size >= MAX_RUNNERS) {
      for (const [key, r] of this.runners) {
        if (r.count === 0) {
          this.runners.delete(key);
          break;
        }
      }
    }
    runner = new RequestRunner<RequestSource>(this.source(clientId), this.runnerHost);
    this.runners.set(clientId, runner);
    return runner;
  }

  private source(clientId: string): RequestSource & { info(): ClientInfo } {
    const connectedAt = this.host.timers.now();
    return {
      clientId,
      authenticated: true,
      info: () => ({
        clientId,
        mode: 'nats',
        connectedAt,
        helloDone: clientId !== ANONYMOUS,
        authenticated: true,
        client: undefined,
        subscriptions: [],
        inFlight: this.runners.get(clientId)?.count ?? 0,
        droppedEvents: 0,
        bufferedBytes: 0,
      }),
    };
  }
}

type Timers = NatsModeHost['timers'];

function errorMessage(id: MessageId, code: number, message: string, data?: unknown): ResponseMessage {
  return errorObject(id, data === undefined ? { code, message } : { code, message, data });
}

function isRequestObject(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { jsonrpc?: unknown }).jsonrpc === '2.0' && 'method' in body;
}

/** The durable paths of a server on a NATS endpoint: `<runtime dir>/<name>.nats-<service>.spool` (the same dir its local NATS clients spool to). */
export function natsDurablePaths(options: { app?: string; name?: string; service?: string; env?: NodeJS.ProcessEnv; endpoint?: unknown }): DurablePathInputs {
  const app = options.app ?? 'sidewire';
  const nats = parseNatsEndpoint(String(options.endpoint));
  return {
    endpoint: { kind: 'tcp', host: nats.host, port: nats.port },
    runtimeDir: runtimeDirFor(app, options.env ?? process.env, currentUser()),
    name: `${options.name ?? app}.nats-${options.service ?? app}`,
  };
}

/** The NATS side of a server whose endpoint is `nats://…`, or undefined for a local endpoint. */
export function natsModeFor(options: ServerOptions, host: Omit<NatsModeHost, 'durablePaths'>): NatsServerMode | undefined {
  if (!isNatsEndpoint(options.endpoint)) return undefined;
  return new NatsServerMode({ ...host, durablePaths: () => natsDurablePaths(options) }, parseNatsEndpoint(options.endpoint), checkService(options.service ?? options.app ?? 'sidewire'), options.nats);
}
