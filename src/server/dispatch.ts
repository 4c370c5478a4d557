/**
 * The method table of a server: user methods with optional Standard Schema validation of params,
 * and notification handlers. Reserved `$/` methods live in reserved-methods.ts.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createError } from '../errors.js';
import type { ClientInfo, PeerIdentity } from '../protocol/client-info.js';
import type { MessageId } from '../protocol/message.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';

/** What a method handler gets besides its params. */
export interface RequestContext {
  /** The calling connection's id. */
  readonly clientId: string;
  /** Aborted on `$/cancel`, disconnect, request timeout, and server close. */
  readonly signal: AbortSignal;
  /** A snapshot of the calling connection. */
  readonly connection: ClientInfo;
  /** The method name as called. */
  readonly method: string;
  /** The request id (`undefined` when the method runs for a notification). */
  readonly id: MessageId | undefined;
  /**
   * The caller as the kernel says (SO_PEERCRED: pid, uid, gid) on unix sockets with the native
   * helper; undefined over TCP, pipes or without it (docs/security.md "Peer identity").
   */
  readonly peer: PeerIdentity | undefined;
}

/** What a notification handler gets besides its params. */
export interface NotificationContext {
  readonly clientId: string;
  readonly connection: ClientInfo;
  readonly method: string;
  /** The sender as the kernel says, where known (see RequestContext.peer). */
  readonly peer: PeerIdentity | undefined;
}

export type MethodHandler<P = unknown, R = unknown> = (params: P, ctx: RequestContext) => R | Promise<R>;
export type NotificationHandler<P = unknown> = (params: P, ctx: NotificationContext) => void | Promise<void>;

export interface MethodOptions {
  /**
   * Validates (and may transform) params before the handler runs; issues → -32602 with
   * `error.data.issues`.
   * @default undefined (params are passed through unchecked)
   */
  readonly params?: StandardSchemaV1;
  /**
   * One line for `sidewire` tooling and docs.
   * @default undefined
   */
  readonly description?: string;
}

export interface MethodEntry {
  readonly name: string;
  readonly handler: MethodHandler;
  readonly params: StandardSchemaV1 | undefined;
  readonly description: string | undefined;
}

/** A schema issue as sent to the peer: `path` flattened to plain keys. */
export interface WireIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '' || name.startsWith('$/')) {
    throw createError('ERR_INVALID_ARGUMENT', `invalid method name ${JSON.stringify(name)}: names must be non-empty and must not start with '$/' (reserved)`, {
      fixes: ['choose another name, e.g. "myapp.status"'],
    });
  }
}

export class MethodTable {
  private readonly methods = new Map<string, MethodEntry>();
  private readonly notifications = new Map<string, NotificationHandler>();

  /** Registers (or replaces) a request handler. */
  addMethod(name: string, handler: MethodHandler, options: MethodOptions = {}): void {
    checkName(name);
    this.methods.set(name, { name, handler, params: options.params, description: options.description });
  }

  /** Registers (or replaces) a notification handler. */
  addNotification(name: string, handler: NotificationHandler): void {
    checkName(name);
    this.notifications.set(name, handler);
  }

  method(name: string): MethodEntry | undefined {
    return this.methods.get(name);
  }

  notification(name: string): NotificationHandler | undefined {
    return this.notifications.get(name);
  }

  /** Registered method names with their descriptions. */
  list(): Array<{ name: string; description: string | undefined }> {
    return [...this.methods.values()].map((m) => ({ name: m.name, description: m.description }));
  }
}

/**
 * Validates params against the method's schema.
 * @returns the (possibly transformed) params
 * @throws ResponseError -32602 with `data.issues` when the schema reports issues
 */
export async function validateParams(entry: MethodEntry, params: unknown): Promise<unknown> {
  if (entry.params === undefined) return params;
  const result = await entry.params['~standard'].validate(params);
  if (result.issues === undefined) return result.value;
  const issues = result.issues.map(toWireIssue);
  const first = issues[0];
  const where = first?.path !== undefined && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
  const summary = first === undefined ? 'rejected by schema' : `${first.message}${where}`;
  throw new ResponseError(ErrorCodes.InvalidParams, `invalid params for '${entry.name}': ${summary}`, { issues });
}

function toWireIssue(issue: StandardSchemaV1.Issue): WireIssue {
  const message = String(issue.message);
  if (issue.path === undefined) return { message };
  const path = issue.path.map((seg) => {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
    return typeof key === 'number' ? key : String(key);
  });
  return { message, path };
}
