/**
 * The reference daemon's inbox: every notification `sidewire serve` receives, one JSON line each
 * `{ method, params, id, receivedAt }` in an append-only file (fsync'd). It is also the daemon's
 * durable store: a durable message and its id are recorded by the same line, so a durable
 * notification lands in the inbox exactly once, even across a crash mid-replay. The file is
 * opened through spool-files.ts (no symbolic link, ours, not writable by others) and appends are
 * all or nothing (append-log.ts): docs/reconnect.md, "File checks" and "Torn lines".
 */
import { AppendLog, type AppendWrite } from '../../spool/append-log.js';
import type { DurableMessage } from '../../protocol/durable-message.js';
import type { DurableStore } from './durable-store.js';
import { spoolError } from '../../spool/paths.js';

/** One inbox record. */
export interface InboxRecord {
  readonly method: string;
  readonly params: unknown;
  /** The durable id, or null for a plain notification. */
  readonly id: string | null;
  /** When the server received it (ISO 8601). */
  readonly receivedAt: string;
}

export interface InboxOptions {
  /**
   * Clock for `receivedAt` (epoch ms).
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * The write call of an append (tests inject a disk that fills up half-way).
   * @default FileHandle.write at the end of the file
   */
  readonly write?: AppendWrite;
}

export class Inbox implements DurableStore {
  readonly file: string;
  private readonly now: () => number;
  private readonly log: AppendLog;
  private total = 0;
  private ids: string[] = [];
  private loading: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: InboxOptions = {}) {
    this.file = file;
    this.now = options.now ?? Date.now;
    this.log = new AppendLog(file, options.write);
  }

  /** Durable ids already in the inbox (the store contract). */
  async load(): Promise<readonly string[]> {
    await this.ready();
    return this.ids;
  }

  /** Records a durable message (exactly once: the id is in the same line). */
  deliver(message: DurableMessage): Promise<void> {
    return this.append(message.method, message.params, message.id);
  }

  /** Records a plain notification. */
  add(method: string, params: unknown): Promise<void> {
    return this.append(method, params, null);
  }

  /** Records in the inbox. */
  async count(): Promise<number> {
    await this.ready();
    await this.tail;
    return this.total;
  }

  /** Records `offset` .. `offset + limit - 1`, oldest first. */
  async list(offset = 0, limit = 100): Promise<InboxRecord[]> {
    await this.ready();
    await this.tail;
    return readRecords(await this.readText()).slice(offset, offset + limit);
  }

  async close(): Promise<void> {
    await this.tail;
    await this.log.close();
  }

  /** Opens the file (a torn tail is cut) and counts its records; retried after a failure (an unsafe file that was fixed). */
  private ready(): Promise<void> {
    this.loading ??= this.readText()
      .then((text) => {
        const records = readRecords(text);
        this.total = records.length;
        this.ids = records.flatMap((r) => (r.id === null ? [] : [r.id]));
      })
      .catch((err: unknown) => {
        this.loading = undefined;
        throw err;
      });
    return this.loading;
  }

  private async readText(): Promise<string> {
    try {
      return await this.log.read();
    } catch (err) {
      throw spoolError('read the inbox', this.file, err);
    }
  }

  private append(method: string, params: unknown, id: string | null): Promise<void> {
    const record: InboxRecord = { method, params: params ?? null, id, receivedAt: new Date(this.now()).toISOString() };
    const run = this.tail.then(async () => {
      await this.ready();
      try {
        await this.log.append(Buffer.from(JSON.stringify(record) + '\n'));
      } catch (err) {
        throw spoolError('append to the inbox', this.file, err);
      }
      this.total++;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function readRecords(text: string): InboxRecord[] {
  const out: InboxRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const r = JSON.parse(line) as InboxRecord;
      if (typeof r === 'object' && r !== null && typeof r.method === 'string') out.push(r);
    } catch {
      // not a record (a torn tail is cut when the file is opened, see append-log.ts)
    }
  }
  return out;
}
