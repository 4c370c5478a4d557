/**
 * The default durable store: an append-only log of delivered ids (one JSON string per line,
 * fsync'd before the handler runs), compacted to the last `window` ids when it grows to twice
 * that. A crash between the log write and the handler loses that one message for the handler
 * (at most once); nothing is ever handed to a handler twice. The log lives in the spool dir, which
 * is checked before the log is opened; appends are all or nothing (append-log.ts). A
 * `handler-first` delivery (JetStream, docs/nats.md) runs the handler before the write instead:
 * the broker redelivers what was not acknowledged, so nothing is lost, and only a crash between
 * the handler's return and the write runs it twice.
 */
import { writeFileAtomic } from '../../util/atomic-file.js';
import { AppendLog } from '../../spool/append-log.js';
import type { DurableMessage } from '../../protocol/durable-message.js';
import type { DurableDelivery, DurableStore } from './durable-store.js';
import { ensureSpoolDir, spoolError, type DurablePaths } from '../../spool/paths.js';

export class SeenLog implements DurableStore {
  private readonly paths: DurablePaths;
  private readonly window: number;
  private readonly log: AppendLog;
  private lines = 0;
  private recent: string[] = [];

  constructor(paths: DurablePaths, window: number) {
    this.paths = paths;
    this.window = Math.max(1, window);
    this.log = new AppendLog(paths.seenFile);
  }

  async load(): Promise<readonly string[]> {
    let text: string;
    try {
      await this.open();
      text = await this.log.read();
    } catch (err) {
      throw spoolError('read the seen log', this.paths.seenFile, err);
    }
    const ids: string[] = [];
    for (const line of text.split('\n')) {
      try {
        const id: unknown = JSON.parse(line);
        if (typeof id === 'string') ids.push(id);
      } catch {
        // not an id (the torn tail of a crash is cut when the log is opened)
      }
    }
    this.lines = ids.length;
    this.recent = ids.slice(-this.window);
    return this.recent;
  }

  async deliver(message: DurableMessage, delivery: DurableDelivery): Promise<void> {
    if (delivery.order === 'handler-first') await delivery.dispatch();
    try {
      await this.open();
      await this.log.append(Buffer.from(JSON.stringify(message.id) + '\n'));
    } catch (err) {
      throw spoolError('append to the seen log', this.paths.seenFile, err);
    }
    this.lines++;
    this.recent.push(message.id);
    if (this.recent.length > this.window) this.recent.splice(0, this.recent.length - this.window);
    if (delivery.order !== 'handler-first') await delivery.dispatch();
    if (this.lines >= 2 * this.window) await this.compact();
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /** The spool dir is checked (and created) before the log in it is opened. */
  private async open(): Promise<void> {
    ensureSpoolDir(this.paths);
    await this.log.open();
  }

  /**
   * Rewrites the log with the last `window` ids (src/util/atomic-file.ts: new temp file, fsync,
   * rename; on failure the temp is removed and the old log stays). The log is closed first:
   * Windows refuses to rename over an open file (EPERM), and compaction then never happened there
   * (docs/windows.md). It is reopened, on the new file or the old one, at the next delivery.
   */
  private async compact(): Promise<void> {
    try {
      await this.log.close();
      await writeFileAtomic(this.paths.seenFile, this.recent.map((id) => JSON.stringify(id) + '\n').join(''), { mode: 0o600, replace: 'rename' });
      this.lines = this.recent.length;
    } catch {
      // keep appending to the old log; compaction is retried after the next delivery
    }
  }
}
