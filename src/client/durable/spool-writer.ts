/**
 * The producer side of the spool: this process's own file in the spool dir. Every append is one
 * whole line on an O_APPEND descriptor followed by fsync, all or nothing (a failed write is cut
 * back, see append-log.ts), so the message is on disk when `append` returns and concurrent
 * producers (each with its own file) never interleave. The spool dir is checked before every
 * append and every file is opened through spool-files.ts (docs/reconnect.md, "File checks").
 * Everything is synchronous: a hook may exit right after `append`.
 */
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createError } from '../../errors.js';
import { writeFileAtomicSync } from '../../util/atomic-file.js';
import { ownStartTime } from '../../util/process-identity.js';
import { appendSync, type AppendWriteSync } from '../../spool/append-log.js';
import { parseSpoolText, toSpoolLine, type DurableMessage } from '../../protocol/durable-message.js';
import { ensureSpoolDir, producerFileName, spoolError, type DurablePaths } from '../../spool/paths.js';
import { readDurableSync, removeDurableSync } from '../../spool/spool-files.js';

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
  private readonly write: AppendWriteSync | undefined;
  private seq = 0;
  private fileBytes = 0;

  /** `write` replaces the write call (tests inject a failing disk). */
  constructor(paths: DurablePaths, options: SpoolWriterOptions = {}, write?: AppendWriteSync) {
    this.paths = paths;
    this.write = write;
    this.token = randomBytes(6).toString('hex');
    this.file = path.join(paths.spoolDir, producerFileName(process.pid, ownStartTime(), this.token));
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Bytes in this producer's file as last seen (after an append, read or remove): what waits to be delivered. */
  get bytes(): number {
    return this.fileBytes;
  }

  /**
   * Appends one message (fsync'd) and returns it with its new id.
   * @throws SidewireError ERR_SPOOL when it cannot be written; ERR_ENCODE when params are not JSON-encodable
   */
  append(method: string, params: unknown): DurableMessage {
    const message: DurableMessage = {
      id: `${this.token}.${++this.seq}`,
      method,
      ...(params === undefined ? {} : { params }),
      at: this.now(),
    };
    const line = Buffer.from(toSpoolLine(message));
    try {
      ensureSpoolDir(this.paths);
      let after = 0;
      appendSync(this.file, line, (size) => this.checkLimit((after = size + line.length), method), this.write);
      this.fileBytes = after;
    } catch (err) {
      throw spoolError('append to the spool file', this.file, err);
    }
    return message;
  }

  /**
   * Every message still in this producer's file, in order.
   * @throws SidewireError ERR_FILE_UNSAFE when the file is not safe to read, ERR_SPOOL
   */
  read(): DurableMessage[] {
    try {
      const text = readDurableSync(this.file)?.text ?? '';
      this.fileBytes = Buffer.byteLength(text);
      return parseSpoolText(text);
    } catch (err) {
      throw spoolError('read the spool file', this.file, err);
    }
  }

  /** Messages in the file. */
  count(): number {
    return this.read().length;
  }

  /**
   * Removes delivered messages: the file is deleted when nothing else is left, else rewritten
   * atomically (src/util/atomic-file.ts: temp file, fsync, rename; the old file stays as it was on
   * failure) with the rest.
   * @throws SidewireError ERR_SPOOL
   */
  remove(ids: ReadonlySet<string>): void {
    if (ids.size === 0) return;
    const rest = this.read().filter((m) => !ids.has(m.id));
    try {
      if (rest.length === 0) {
        removeDurableSync(this.file);
        this.fileBytes = 0;
        return;
      }
      // The temp is `<file>.<hex>.tmp`: a crash may leave it behind, and the server removes .tmp
      // files of producers that have exited (spool-scan.ts).
      const text = rest.map(toSpoolLine).join('');
      writeFileAtomicSync(this.file, text, { mode: 0o600, replace: 'rename' });
      this.fileBytes = Buffer.byteLength(text);
    } catch (err) {
      throw spoolError('rewrite the spool file', this.file, err);
    }
  }

  private checkLimit(size: number, method: string): void {
    if (size <= this.maxBytes) return;
    throw createError('ERR_SPOOL', `cannot spool '${method}': ${this.file} would exceed ${this.maxBytes} bytes`, {
      fixes: ['start the server so the spool is delivered and emptied', 'or raise the spool maxBytes option'],
      details: { path: this.file, limit: this.maxBytes },
    });
  }
}
