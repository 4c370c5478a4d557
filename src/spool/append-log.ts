/**
 * All-or-nothing appends of whole lines to a JSONL file (docs/reconnect.md, "Torn lines"): the
 * inbox, the seen log and a producer's spool file. A reader never sees a line glued to a torn one:
 * - a failed append (ENOSPC half-way, a failed fsync) is cut back to the size before it, and the
 *   error is thrown: the caller does not acknowledge what was not durably written;
 * - before the first append (and after a failed append whose cut failed too) a tail without its
 *   final '\n' — a crash mid-write, never acknowledged — is cut back to the last complete line.
 * Files are opened through spool-files.ts (O_NOFOLLOW, ownership and mode checks).
 */
import * as fs from 'node:fs';
import { LOG_FLAGS, openDurable, openDurableSync } from './spool-files.js';

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** Writes part of `data` at the end of the file; resolves with the bytes written (may be short). */
export type AppendWrite = (fh: fs.promises.FileHandle, data: Buffer, offset: number, length: number) => Promise<number>;
/** `AppendWrite`, synchronous, on a descriptor. */
export type AppendWriteSync = (fd: number, data: Buffer, offset: number, length: number) => number;

const writeAtEnd: AppendWrite = async (fh, data, offset, length) => (await fh.write(data, offset, length, null)).bytesWritten;
const writeAtEndSync: AppendWriteSync = (fd, data, offset, length) => fs.writeSync(fd, data, offset, length, null);

function stalled(): Error {
  return Object.assign(new Error('write made no progress'), { code: 'EIO' });
}

/** The length of the file's complete lines: `size` when it ends with '\n' (or is empty), else up to its last '\n'. */
export function completeLengthSync(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - CHUNK);
    let got = 0;
    while (got < end - start) {
      const n = fs.readSync(fd, buf, got, end - start - got, start + got);
      if (n === 0) break; // the file shrank meanwhile
      got += n;
    }
    const at = got === 0 ? -1 : buf.lastIndexOf(NEWLINE, got - 1);
    if (at >= 0) return start + at + 1;
    end = start;
  }
  return 0;
}

/**
 * `completeLengthSync` on a FileHandle. Synchronous reads on its descriptor: this runs only when a
 * log is opened or after a failed append (repairs are rare and read at most the torn tail).
 */
export async function completeLength(fh: fs.promises.FileHandle, size: number): Promise<number> {
  return Promise.resolve(completeLengthSync(fh.fd, size));
}

/** An append-only JSONL file, opened once and kept open. */
export class AppendLog {
  readonly file: string;
  private readonly write: AppendWrite;
  private handle: fs.promises.FileHandle | undefined;

  constructor(file: string, write: AppendWrite = writeAtEnd) {
    this.file = file;
    this.write = write;
  }

  /**
   * Opens the file (created 0600 when missing) and cuts a torn tail.
   * @throws SidewireError ERR_FILE_UNSAFE, or a system error
   */
  async open(): Promise<fs.promises.FileHandle> {
    if (this.handle !== undefined) return this.handle;
    const fh = await openDurable(this.file, LOG_FLAGS);
    try {
      const size = (await fh.stat()).size;
      const complete = await completeLength(fh, size);
      if (complete < size) {
        await fh.truncate(complete);
        await fh.sync();
      }
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    this.handle = fh;
    return fh;
  }

  /** The whole file (complete lines only, once opened), read through the open descriptor. */
  async read(): Promise<string> {
    const fh = await this.open();
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.toString('utf8', 0, got);
  }

  /**
   * Appends `data` (whole lines) and fsyncs. All or nothing: when it fails, the file is cut back
   * to its size before the append and the error is thrown.
   */
  async append(data: Buffer): Promise<void> {
    const fh = await this.open();
    const before = (await fh.stat()).size;
    try {
      for (let off = 0; off < data.length; ) {
        const n = await this.write(fh, data, off, data.length - off);
        if (n <= 0) throw stalled();
        off += n;
      }
      await fh.sync();
    } catch (err) {
      try {
        await fh.truncate(before);
      } catch {
        await this.close().catch(() => undefined); // reopened, and the torn tail cut, before the next append
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const fh = this.handle;
    this.handle = undefined;
    await fh?.close();
  }
}

/**
 * Appends `data` (whole lines) to `file` and fsyncs, synchronously, with the same guarantees as
 * `AppendLog.append`; `check(size)` runs on the size before the append (after a torn tail was
 * cut) and may throw to refuse it.
 * @throws SidewireError ERR_FILE_UNSAFE, what `check` throws, or a system error
 */
export function appendSync(file: string, data: Buffer, check: (size: number) => void = () => undefined, write: AppendWriteSync = writeAtEndSync): void {
  const fd = openDurableSync(file, LOG_FLAGS);
  try {
    let size = fs.fstatSync(fd).size;
    const complete = completeLengthSync(fd, size);
    if (complete < size) {
      fs.ftruncateSync(fd, complete);
      size = complete;
    }
    check(size);
    try {
      for (let off = 0; off < data.length; ) {
        const n = write(fd, data, off, data.length - off);
        if (n <= 0) throw stalled();
        off += n;
      }
      fs.fsyncSync(fd);
    } catch (err) {
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        // cut before the next append (the torn tail check above)
      }
      throw err;
    }
  } finally {
    fs.closeSync(fd);
  }
}
