/**
 * One ZeroMQ request in, one reply out (docs/zeromq.md "Messages"), through the server's request
 * runner (server/adapter-port.ts): the same method table, params schemas, limits and error
 * wording as a JSON-mode client gets.
 *
 * A request is one frame of UTF-8 JSON:
 * - a JSON-RPC 2.0 request → its response; a batch (array) → the array of responses;
 * - a JSON-RPC notification (or a batch of only notifications) → an empty frame (REQ peers need
 *   a reply to send again), the handler runs as for a JSON-mode notification;
 * - a plain object with the mapping's type field and no `jsonrpc` → the mapped method, and the
 *   mapping's reply (plain-mapping.ts);
 * - invalid JSON → -32700 with id null; anything else → -32600.
 */
import type { ClientInfo } from '../protocol/client-info.js';
import { errorMessage, parseMessage, type ResponseMessage } from '../protocol/message.js';
import { ErrorCodes } from '../protocol/response-error.js';
import type { AdapterPort } from '../server/adapter-port.js';
import type { RequestRunner, RequestSource } from '../server/request-runner.js';
import { plainType, type ResolvedPlainMapping } from './plain-mapping.js';

/** One ZeroMQ peer as the server sees it: a clientId and its own request runner (ids are per peer). */
export class ZeroMQPeer implements RequestSource {
  readonly clientId: string;
  readonly authenticated = true;
  readonly runner: RequestRunner<RequestSource>;
  private readonly connectedAt = Date.now();
  /** Ids given to plain requests (they carry none). */
  private plainIds = 0;

  constructor(port: AdapterPort) {
    this.clientId = port.newClientId();
    this.runner = port.runner(this);
  }

  nextPlainId(): number {
    this.plainIds = (this.plainIds + 1) % Number.MAX_SAFE_INTEGER;
    return this.plainIds;
  }

  /** A snapshot for `ctx.connection`; `mode` is `'zeromq'` at run time. */
  info(): ClientInfo {
    return {
      clientId: this.clientId,
      mode: 'zeromq' as ClientInfo['mode'],
      connectedAt: this.connectedAt,
      helloDone: false,
      authenticated: true,
      client: undefined,
      subscriptions: [],
      inFlight: this.runner.count,
      droppedEvents: 0,
      bufferedBytes: 0,
    };
  }
}

/** What answering needs: the server's port, the plain mapping (undefined: off) and the batch limit. */
export interface Answerer {
  readonly port: AdapterPort;
  readonly plain: ResolvedPlainMapping | undefined;
}

function invalid(id: ResponseMessage['id'], message: string): ResponseMessage {
  return errorMessage(id, { code: ErrorCodes.InvalidRequest, message: `invalid request: ${message}` });
}

/** Answers one request frame from `peer`: the reply frame ('' when there is nothing to answer). */
export async function answer(body: Buffer, peer: ZeroMQPeer, ctx: Answerer): Promise<string> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return JSON.stringify(errorMessage(null, { code: ErrorCodes.ParseError, message: `parse error: ${why}` }));
  }
  const type = plainType(value, ctx.plain);
  if (type !== undefined && ctx.plain !== undefined) return JSON.stringify(await runPlain(value as Record<string, unknown>, type, peer, ctx.plain) ?? null);
  if (!Array.isArray(value)) {
    const reply = await runOne(value, peer, ctx);
    return reply === undefined ? '' : JSON.stringify(reply);
  }
  const max = ctx.port.limits.maxBatchLength;
  if (value.length === 0) return JSON.stringify(invalid(null, 'empty batch'));
  if (value.length > max) return JSON.stringify(invalid(null, `a batch of ${value.length} elements; at most ${max} (limits.maxBatchLength)`));
  const replies = (await Promise.all(value.map((element) => runOne(element, peer, ctx)))).filter((r): r is ResponseMessage => r !== undefined);
  return replies.length === 0 ? '' : JSON.stringify(replies);
}

async function runOne(value: unknown, peer: ZeroMQPeer, ctx: Answerer): Promise<ResponseMessage | undefined> {
  const parsed = parseMessage(value);
  switch (parsed.kind) {
    case 'request':
      return peer.runner.run(parsed.message);
    case 'notification':
      await ctx.port.notify(peer, parsed.message.method, parsed.message.params);
      return undefined;
    case 'response':
      return invalid(parsed.message.id, 'a ZeroMQ endpoint of sidewire takes requests, not responses');
    case 'invalid': {
      const hint = ctx.plain === undefined ? '' : ` (or a plain object with a "${ctx.plain.typeField}" field)`;
      return invalid(parsed.id, `${parsed.reason}${hint}`);
    }
  }
}

/** Runs a plain request (`{type, payload}` → method) and builds the mapping's reply. */
async function runPlain(request: Record<string, unknown>, type: string, peer: ZeroMQPeer, plain: ResolvedPlainMapping): Promise<unknown> {
  const method = plain.method(type);
  if (method === undefined) {
    return plain.reply({ type, method, error: { code: ErrorCodes.MethodNotFound, message: `method not found: no method for type ${JSON.stringify(type)}` } });
  }
  const params = request[plain.payloadField];
  const reply = await peer.runner.run({ jsonrpc: '2.0', id: peer.nextPlainId(), method, ...(params === undefined ? {} : { params }) });
  return 'error' in reply ? plain.reply({ type, method, error: reply.error }) : plain.reply({ type, method, result: reply.result });
}
