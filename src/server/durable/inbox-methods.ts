/**
 * Installs the inbox on a server (the reference daemon does): every notification without a
 * handler of its own, and every durable notification, is appended to the inbox file beside the
 * spool dir; `inbox.count` and `inbox.list` read it back.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { createError } from '../../errors.js';
import { CATCH_ALL } from '../catch-all-table.js';
import type { Server } from '../server.js';
import type { ServiceShape } from '../../protocol/service.js';
import { Inbox, type InboxRecord } from './inbox.js';

/** The inbox methods, for typed clients. */
export interface InboxMethods {
  /** How many notifications the inbox holds. */
  'inbox.count': { params: undefined; result: number };
  /** Records oldest first: params `{ offset?: 0, limit?: 100 }` (limit at most 1000). */
  'inbox.list': { params: { offset?: number; limit?: number } | undefined; result: InboxRecord[] };
}

/** Most records one `inbox.list` returns. */
export const MAX_INBOX_LIST = 1000;

const listParams: StandardSchemaV1<unknown, { offset: number; limit: number }> = {
  '~standard': {
    version: 1,
    vendor: 'sidewire',
    validate(value) {
      if (value === undefined || value === null) return { value: { offset: 0, limit: 100 } };
      if (typeof value !== 'object' || Array.isArray(value)) return { issues: [{ message: 'expected { "offset"?: number, "limit"?: number }' }] };
      const v = value as Record<string, unknown>;
      const offset = v['offset'] ?? 0;
      const limit = v['limit'] ?? 100;
      const issues: StandardSchemaV1.Issue[] = [];
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) issues.push({ message: 'expected an integer ≥ 0', path: ['offset'] });
      if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_INBOX_LIST) {
        issues.push({ message: `expected an integer from 1 to ${MAX_INBOX_LIST}`, path: ['limit'] });
      }
      return issues.length > 0 ? { issues } : { value: { offset: offset as number, limit: limit as number } };
    },
  },
};

/**
 * Makes the inbox the server's durable store and its catch-all notification handler, and adds
 * `inbox.count` / `inbox.list`. Call before `listen()`.
 * @returns the inbox, once the server listens (it lives beside the spool dir)
 */
export function installInbox<S extends ServiceShape>(server: Server<S>): () => Inbox {
  let inbox: Inbox | undefined;
  const get = (): Inbox => {
    const paths = server.durable.paths;
    if (paths === undefined) {
      throw createError('ERR_INVALID_ARGUMENT', 'the inbox exists once the server listens', { fixes: ['call server.listen() first'] });
    }
    if (inbox === undefined) {
      inbox = new Inbox(paths.inboxFile);
      server.durable.closeOnStop(inbox);
    }
    return inbox;
  };
  server.durable.configure({ store: () => get() });
  server.onNotification(CATCH_ALL, (params, ctx) => get().add(ctx.method, params));
  const s = server as unknown as Server;
  s.method('inbox.count', () => get().count(), { description: 'how many notifications the inbox holds' });
  s.method('inbox.list', (p) => {
    const { offset, limit } = p as { offset: number; limit: number };
    return get().list(offset, limit);
  }, { params: listParams, description: 'inbox records { method, params, id, receivedAt }, oldest first: { offset?, limit? }' });
  return get;
}
