/**
 * The reference daemon's inbox: every notification `sidewire serve` receives, one JSON line each
 * `{ method, params, id, receivedAt }` in an append-only file (fsync'd). It is also the daemon's
 * durable store: a durable message and its id are recorded by the same line, so a durable
 * notification lands in the inbox exactly once, even across a crash mid-replay.
 */
import * as fs from 'node:fs';
import { systemCode } from '../errors.js';
import type { DurableMessage } from './durable-message.js';
import type { DurableStore } from './durable-store.js';
import { endTornLine, spoolError } from './paths.js';

/** One inbox record. */
export interface InboxRecord {
  readonly method: string;
  readonly params: unknown;
  /** The durable id, or null for a plain notification. */
  readonly id: string | null;
  /** When the server received it (ISO 8601). */
  readonly receivedAt: string;
}

export class Inbox implements DurableStore {
  readonly file: string;
  private readonly now: () => number;
  private handle: fs.promises.FileHandle | undefined;
  private total = 0;
  private ids: string[] = [];
  private loading: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(file: string, options: { now?: () => number } = {}) {
    this.file = file;
    this.now = options.now ?? Date.now;
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
    return readRecords(await readText(this.file)).slice(offset, offset + limit);
  }

  async close(): Promise<void> {
    await this.tail;
    const fh = this.handle;
    this.handle = undefined;
    await fh?.close();
  }

  private ready(): Promise<void> {
    this.loading ??= readText(this.file).then(async (text) => {
      if (text !== '' && !text.endsWith('\n')) await endTornLine(this.file);
      const records = readRecords(text);
      this.total = records.length;
      this.ids = records.flatMap((r) => (r.id === null ? [] : [r.id]));
    });
    return this.loading;
  }

  private append(method: string, params: unknown, id: string | null): Promise<void> {
    const record: InboxRecord = { method, params: params ?? null, id, receivedAt: new Date(this.now()).toISOString() };
    const run = this.tail.then(async () => {
      await this.ready();
      try {
        this.handle ??= await fs.promises.open(this.file, 'a', 0o600);
        await this.handle.appendFile(JSON.stringify(record) + '\n');
        await this.handle.sync();
      } catch (err) {
        throw spoolError('append to the inbox', this.file, err);
      }
      this.total++;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return '';
    throw spoolError('read the inbox', file, err);
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
      // a torn last line (crash mid-write): that message was not recorded and is replayed
    }
  }
  return out;
}
