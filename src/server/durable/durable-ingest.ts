/**
 * The server side of durable notifications (docs/reconnect.md):
 * - `$/durable` requests `{ messages: [{ id, method, params }] }` → `{ delivered, duplicates }`,
 *   answered only after every message was recorded by the store;
 * - spool files of producers that have exited are read at start and every `rescanMs`, delivered
 *   in order, then deleted; the dir and each file are checked first, and files planted by another
 *   user (or links) are refused and reported once (spool-scan.ts, docs/reconnect.md "File checks").
 * Both paths go through one queue and one window of recent ids, so a message reaches the store
 * (and the handlers) at most once, whoever replays it.
 */
import { createError } from '../../errors.js';
import type { ClientInfo } from '../../protocol/client-info.js';
import type { Connection } from '../connection.js';
import type { MethodTable } from '../dispatch.js';
import { ErrorCodes, ResponseError } from '../../protocol/response-error.js';
import type { TimerHandle, Timers } from '../../util/timers.js';
import { isProcessAlive } from '../../util/process-identity.js';
import { durableProblem, parseSpoolText, type DurableMessage } from '../../protocol/durable-message.js';
import { DEFAULT_DURABLE, type DurableOption, type DurableStore } from './durable-store.js';
import { durablePaths, type DurablePathInputs, type DurablePaths } from '../../spool/paths.js';
import { RecentIds } from './recent-ids.js';
import { SeenLog } from './seen-log.js';
import { SpoolScanner, type SpoolDirView } from '../../spool/spool-scan.js';

/** Most messages in one `$/durable` request. */
export const MAX_DURABLE_BATCH = 1000;

export interface DurableIngestDeps {
  readonly timers: Timers;
  readonly table: MethodTable;
  readonly report: (err: unknown, site: { clientId?: string; method?: string }) => void;
}

/** What `$/durable` answers. */
export interface DurableResult {
  readonly delivered: number;
  readonly duplicates: number;
}

export class DurableIngest {
  private enabled = true;
  private window: number = DEFAULT_DURABLE.window;
  private rescanMs: number = DEFAULT_DURABLE.rescanMs;
  private readonly deps: DurableIngestDeps;
  private storeFactory: (paths: DurablePaths) => DurableStore;
  private store: DurableStore | undefined;
  private recent: RecentIds;
  private loaded: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private timer: TimerHandle | undefined;
  private scanning = false;
  private stopped = false;
  private where: DurablePaths | undefined;
  private readonly scanner: SpoolScanner;
  private readonly resources = new Set<{ close(): Promise<void> }>();

  constructor(deps: DurableIngestDeps) {
    this.deps = deps;
    this.scanner = new SpoolScanner((err) => deps.report(err, {}));
    this.recent = new RecentIds(this.window);
    this.storeFactory = (paths) => new SeenLog(paths, this.window);
  }

  /** The spool dir, inbox and seen log paths (undefined before the server listens). */
  get paths(): DurablePaths | undefined {
    return this.where;
  }

  /** True unless `configure(false)` turned durable notifications off. */
  get isEnabled(): boolean {
    return this.enabled;
  }

  /**
   * Settings (call before `listen()`); `false` refuses `$/durable` and ignores spool files.
   * @throws SidewireError ERR_INVALID_ARGUMENT after the store was opened
   */
  configure(option: DurableOption): this {
    if (this.loaded !== undefined) {
      throw createError('ERR_INVALID_ARGUMENT', 'durable settings must be configured before the server listens', {
        fixes: ['pass the settings as the `durable` server option, or call server.durable.configure(...) before server.listen() (createServer, not serve)'],
      });
    }
    this.enabled = option !== false;
    if (option === false) return this;
    this.window = option.window ?? this.window;
    this.rescanMs = option.rescanMs ?? this.rescanMs;
    this.recent = new RecentIds(this.window);
    if (option.store !== undefined) this.storeFactory = option.store;
    return this;
  }

  /** Called when the server binds: remembers the paths and (re)starts scanning the spool dir. */
  start(resolved: DurablePathInputs): void {
    this.where = durablePaths(resolved);
    this.stopped = false;
    if (!this.enabled) return;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.scanLater(0);
  }

  /**
   * The `$/durable` handler. `order`: `record-first` (spool files, `$/durable`: the id is in the
   * seen log before the handler runs, so a crash mid-handler never runs it twice) or
   * `handler-first` (JetStream, docs/nats.md: the broker redelivers what was not acknowledged, so
   * the id is recorded once the handler returned and a crash mid-handler loses nothing).
   */
  async handle(params: unknown, conn: Pick<Connection, 'clientId' | 'info'>, order: 'record-first' | 'handler-first' = 'record-first'): Promise<DurableResult> {
    if (!this.enabled || this.where === undefined) throw new ResponseError(ErrorCodes.MethodNotFound, 'method not found: $/durable (durable notifications are off on this server)');
    const messages = batchParam(params);
    const ctx = { clientId: conn.clientId, info: () => conn.info() };
    return this.enqueue(async () => {
      let delivered = 0;
      for (const m of messages) if (await this.deliverOne(m, ctx, order)) delivered++;
      return { delivered, duplicates: messages.length - delivered };
    });
  }

  /** Stops scanning, waits for the delivery in progress, and closes the store's files. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.tail.catch(() => undefined);
    await this.store?.close?.().catch(() => undefined);
    for (const r of this.resources) await r.close().catch(() => undefined);
  }

  /** Closes `resource` when the server closes (a file used besides the store, such as the inbox before any durable delivery). */
  closeOnStop(resource: { close(): Promise<void> }): void {
    this.resources.add(resource);
  }

  /** Scans the spool dir now and delivers every file of an exited producer (tests, tools). */
  scanNow(): Promise<number> {
    return this.scan();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      await this.ensureLoaded();
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private ensureLoaded(): Promise<void> {
    this.loaded ??= (async () => {
      const store = this.storeFactory(this.where!);
      const ids = await store.load();
      for (const id of ids) this.recent.add(id);
      this.store = store;
    })().catch((err: unknown) => {
      this.loaded = undefined; // retried with the next message
      throw err;
    });
    return this.loaded;
  }

  /** Delivers one message unless its id was seen; true when delivered. */
  private async deliverOne(m: DurableMessage, ctx: { clientId: string; info: () => ClientInfo }, order: 'record-first' | 'handler-first' = 'record-first'): Promise<boolean> {
    if (this.recent.has(m.id)) return false;
    this.recent.add(m.id);
    try {
      // the store decides when the handler runs (a store whose write is the effect never dispatches)
      await this.store!.deliver(m, { clientId: ctx.clientId, order, dispatch: () => this.dispatch(m, ctx) });
    } catch (err) {
      this.recent.delete(m.id);
      this.deps.report(err, { clientId: ctx.clientId, method: m.method });
      throw new ResponseError(ErrorCodes.InternalError, `internal error: the server could not record durable message ${m.id}; it stays in the spool`);
    }
    return true;
  }

  private async dispatch(m: DurableMessage, ctx: { clientId: string; info: () => ClientInfo }): Promise<void> {
    const handler = this.deps.table.notification(m.method);
    if (handler === undefined) return;
    try {
      const connection = ctx.info();
      await handler(m.params, { clientId: ctx.clientId, connection, method: m.method, peer: connection.peer });
    } catch (err) {
      if (!(err instanceof ResponseError)) this.deps.report(err, { clientId: ctx.clientId, method: m.method });
    }
  }

  private scanLater(ms: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      void this.scan().finally(() => {
        if (this.rescanMs > 0) this.scanLater(this.rescanMs);
      });
    }, ms);
  }

  private async scan(): Promise<number> {
    const dir = this.where?.spoolDir;
    if (dir === undefined || this.scanning || this.stopped || !this.enabled) return 0;
    this.scanning = true;
    let files = 0;
    try {
      const listed = this.scanner.list(dir); // the dir is checked first, at every scan
      if (listed === undefined) return 0; // no dir, or an unsafe one (reported once)
      const { view, entries } = listed;
      for (const entry of entries) {
        if (this.stopped) break;
        if (isProcessAlive(entry.pid, entry.startedAt)) continue;
        if (entry.temp) {
          this.scanner.remove(view, entry.file); // a rewrite the producer never finished
          continue;
        }
        await this.enqueue(() => this.ingestFile(view, entry.file, entry.pid));
        files++;
      }
    } catch (err) {
      this.deps.report(err, {});
    } finally {
      this.scanning = false;
    }
    return files;
  }

  private async ingestFile(view: SpoolDirView, file: string, pid: number): Promise<void> {
    const read = this.scanner.read(view, file);
    if (read === undefined) return; // gone, or refused (reported)
    const info = (): ClientInfo => spoolClientInfo(pid, this.deps.timers.now());
    for (const m of parseSpoolText(read.text)) {
      if (this.stopped) return; // the rest is read again at the next start
      await this.deliverOne(m, { clientId: '', info });
    }
    this.scanner.remove(view, file, read.id);
  }
}

function batchParam(params: unknown): DurableMessage[] {
  const invalid = (why: string): ResponseError => new ResponseError(ErrorCodes.InvalidParams, `invalid params: ${why}`);
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalid('$/durable takes { "messages": [{ "id", "method", "params" }] }');
  const list = (params as { messages?: unknown }).messages;
  if (!Array.isArray(list) || list.length === 0) throw invalid('"messages" must be a non-empty array');
  if (list.length > MAX_DURABLE_BATCH) throw invalid(`at most ${MAX_DURABLE_BATCH} messages per $/durable request`);
  return list.map((m, i) => {
    const problem = durableProblem(m);
    if (problem !== undefined) throw invalid(`messages[${i}]: ${problem}`);
    const o = m as Record<string, unknown>;
    return { id: o['id'] as string, method: o['method'] as string, ...('params' in o ? { params: o['params'] } : {}) };
  });
}

/** The `connection` a handler sees for a message read from a spool file. */
function spoolClientInfo(pid: number, now: number): ClientInfo {
  return {
    clientId: '',
    mode: 'json',
    connectedAt: now,
    helloDone: false,
    authenticated: true,
    client: { name: 'spool', pid },
    subscriptions: [],
    inFlight: 0,
    droppedEvents: 0,
    bufferedBytes: 0,
  };
}
