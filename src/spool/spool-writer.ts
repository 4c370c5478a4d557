/**
 * The producer side of the spool: this process's own file in the spool dir. Every append is one
 * `write` of one whole line on an O_APPEND descriptor followed by fsync, so the message is on disk
 * when `append` returns and concurrent producers (each with its own file) never interleave.
 * Everything is synchronous: a hook may exit right after `append`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SidewireError, systemCode } from '../errors.js';
import { ownStartTime } from '../transport/process-identity.js';
import { parseSpoolText, toSpoolLine, type DurableMessage } from './durable-message.js';
import { ensureSpoolDir, producerFileName, spoolError, type DurablePaths } from './paths.js';

export interface SpoolWriterOptions {
  /**
   * Largest spool file, in bytes; an append beyond it fails with ERR_SPOOL.
   * @default 67108864 (64 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Clock for the `at` field (epoch ms).
   * @default Date.now
   */
  readonly now?: () => number;
}

export class SpoolWriter {
  /** This producer's file. */
  readonly file: string;
  /** Random per writer; every id is `<token>.<seq>`. */
  readonly token: string;
  private readonly paths: DurablePaths;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private seq = 0;
  private dirReady = false;

  constructor(paths: DurablePaths, options: SpoolWriterOptions = {}) {
    this.paths = paths;
    this.token = randomBytes(6).toString('hex');
    this.file = path.join(paths.spoolDir, producerFileName(process.pid, ownStartTime(), this.token));
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends one message (fsync'd) and returns it with its new id.
   * @throws SidewireError ERR_SPOOL when it cannot be written; TypeError when params are not JSON-encodable
   */
  append(method: string, params: unknown): DurableMessage {
    const message: DurableMessage = {
      id: `${this.token}.${++this.seq}`,
      method,
      ...(params === undefined ? {} : { params }),
      at: this.now(),
    };
    const line = Buffer.from(toSpoolLine(message));
    if (!this.dirReady) {
      ensureSpoolDir(this.paths);
      this.dirReady = true;
    }
    if (this.size() + line.length > this.maxBytes) {
      throw new SidewireError('ERR_SPOOL', `cannot spool '${method}': ${this.file} would exceed ${this.maxBytes} bytes`, {
        fixes: ['start the server so the spool is delivered and emptied', 'or raise the spool maxBytes option'],
        details: { path: this.file, limit: this.maxBytes },
      });
    }
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'a', 0o600);
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
    } catch (err) {
      throw spoolError('append to the spool file', this.file, err);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    return message;
  }

  /** Every message still in this producer's file, in order. */
  read(): DurableMessage[] {
    try {
      return parseSpoolText(fs.readFileSync(this.file, 'utf8'));
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return [];
      throw spoolError('read the spool file', this.file, err);
    }
  }

  /** Messages in the file. */
  count(): number {
    return this.read().length;
  }

  /**
   * Removes delivered messages: the file is deleted when nothing else is left, else rewritten
   * atomically (temp file, fsync, rename) with the rest.
   * @throws SidewireError ERR_SPOOL
   */
  remove(ids: ReadonlySet<string>): void {
    if (ids.size === 0) return;
    const rest = this.read().filter((m) => !ids.has(m.id));
    try {
      if (rest.length === 0) {
        fs.rmSync(this.file, { force: true });
        return;
      }
      const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
      const fd = fs.openSync(tmp, 'wx', 0o600);
      try {
        fs.writeSync(fd, rest.map(toSpoolLine).join(''));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.file);
    } catch (err) {
      throw spoolError('rewrite the spool file', this.file, err);
    }
  }

  private size(): number {
    try {
      return fs.statSync(this.file).size;
    } catch {
      return 0;
    }
  }
}
