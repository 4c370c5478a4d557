/**
 * A durable store for the chaos suite whose own write is the effect (like the reference daemon's
 * inbox, docs/reconnect.md): each new message becomes one fsync'd line `{ id, params }` of an
 * append-only file, and `load` returns the ids already there. The server promises exactly-once
 * delivery to such a store across crashes; the orchestrator counts the lines. The notification
 * handler runs after the record (at most once: a kill -9 in between skips it).
 */
import * as fs from 'node:fs';

interface Message {
  readonly id: string;
  readonly method: string;
  readonly params?: unknown;
}

interface Delivery {
  dispatch(): Promise<void>;
}

export class DurableFileStore {
  private readonly file: string;
  private handle: fs.promises.FileHandle | undefined;

  constructor(file: string) {
    this.file = file;
  }

  load(): Promise<readonly string[]> {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return Promise.resolve([]);
    }
    const ids: string[] = [];
    for (const line of text.split('\n')) {
      try {
        const record = JSON.parse(line) as { id?: unknown };
        if (typeof record.id === 'string') ids.push(record.id);
      } catch {
        // a torn last line (killed mid-write): that message was not recorded
      }
    }
    return Promise.resolve(ids);
  }

  async deliver(message: Message, delivery: Delivery): Promise<void> {
    this.handle ??= await fs.promises.open(this.file, 'a', 0o600);
    await this.handle.appendFile(JSON.stringify({ id: message.id, method: message.method, params: message.params ?? null }) + '\n');
    await this.handle.sync();
    await delivery.dispatch();
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}

/** Reads the params of every record (for the orchestrator). */
export function readRecords(file: string): unknown[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    try {
      out.push((JSON.parse(line) as { params: unknown }).params);
    } catch {
      // torn line
    }
  }
  return out;
}
