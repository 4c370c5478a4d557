/**
 * The default durable store: an append-only log of delivered ids (one JSON string per line,
 * fsync'd before the handler runs), compacted to the last `window` ids when it grows to twice
 * that. A crash between the log write and the handler loses that one message for the handler
 * (at most once); nothing is ever handed to a handler twice.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemCode } from '../errors.js';
import type { DurableMessage } from './durable-message.js';
import type { DurableDelivery, DurableStore } from './durable-store.js';
import { endTornLine, ensureSpoolDir, spoolError, type DurablePaths } from './paths.js';

export class SeenLog implements DurableStore {
  private readonly paths: DurablePaths;
  private readonly window: number;
  private handle: fs.promises.FileHandle | undefined;
  private lines = 0;
  private recent: string[] = [];

  constructor(paths: DurablePaths, window: number) {
    this.paths = paths;
    this.window = Math.max(1, window);
  }

  async load(): Promise<readonly string[]> {
    let text = '';
    try {
      text = await fs.promises.readFile(this.paths.seenFile, 'utf8');
    } catch (err) {
      if (systemCode(err) !== 'ENOENT') throw spoolError('read the seen log', this.paths.seenFile, err);
    }
    if (text !== '' && !text.endsWith('\n')) await endTornLine(this.paths.seenFile);
    const ids: string[] = [];
    for (const line of text.split('\n')) {
      try {
        const id: unknown = JSON.parse(line);
        if (typeof id === 'string') ids.push(id);
      } catch {
        // a torn last line: that id was never handed to a handler
      }
    }
    this.lines = ids.length;
    this.recent = ids.slice(-this.window);
    return this.recent;
  }

  async deliver(message: DurableMessage, delivery: DurableDelivery): Promise<void> {
    const fh = await this.open();
    try {
      await fh.appendFile(JSON.stringify(message.id) + '\n');
      await fh.sync();
    } catch (err) {
      throw spoolError('append to the seen log', this.paths.seenFile, err);
    }
    this.lines++;
    this.recent.push(message.id);
    if (this.recent.length > this.window) this.recent.splice(0, this.recent.length - this.window);
    await delivery.dispatch();
    if (this.lines >= 2 * this.window) await this.compact();
  }

  async close(): Promise<void> {
    const fh = this.handle;
    this.handle = undefined;
    await fh?.close();
  }

  private async open(): Promise<fs.promises.FileHandle> {
    if (this.handle !== undefined) return this.handle;
    ensureSpoolDir(this.paths);
    try {
      this.handle = await fs.promises.open(this.paths.seenFile, 'a', 0o600);
    } catch (err) {
      throw spoolError('open the seen log', this.paths.seenFile, err);
    }
    return this.handle;
  }

  /** Rewrites the log with the last `window` ids (temp file, fsync, rename). */
  private async compact(): Promise<void> {
    const tmp = `${this.paths.seenFile}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fh = await fs.promises.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(this.recent.map((id) => JSON.stringify(id) + '\n').join(''));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, this.paths.seenFile);
      await this.close();
      this.lines = this.recent.length;
    } catch {
      await fs.promises.rm(tmp, { force: true });
      // keep appending to the old log; compaction is retried after the next delivery
    }
  }
}
