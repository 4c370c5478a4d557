/**
 * The server's view of the spool dir (docs/reconnect.md, "File checks"). Before every scan the
 * dir must be a real directory (not a symbolic link), owned by this user, with no group/other
 * access; each entry is lstat-checked (regular file, ours, not writable by others, one name)
 * before it is read, read through a checked descriptor, and deleted only after the dir and the
 * entry were checked again and are still the ones that were read. Anything else is refused — not
 * ingested, not deleted — and reported once (ERR_FILE_UNSAFE naming the path and the fix).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSidewireError, systemCode, type SidewireError } from '../errors.js';
import { checkStats } from '../util/safe-file.js';
import { parseProducerFileName } from './paths.js';
import { fileId, inspectFile, readDurableSync, removeDurableSync, sameFile, type FileId } from './spool-files.js';

/** Most distinct unsafe paths reported; beyond it they are still refused, silently (bounded memory). */
export const MAX_REPORTED_UNSAFE = 1000;

/** A checked spool dir: its path and identity at the start of the scan. */
export interface SpoolDirView {
  readonly dir: string;
  readonly id: FileId;
}

/** A producer file (or a producer's unfinished rewrite, `temp`) in the spool dir. */
export interface SpoolEntry {
  readonly name: string;
  readonly file: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly temp: boolean;
}

export class SpoolScanner {
  private readonly report: (err: unknown) => void;
  private readonly reported = new Set<string>();

  constructor(report: (err: unknown) => void) {
    this.report = report;
  }

  /**
   * Checks the dir and lists its producer files, oldest producer first. Undefined when there is
   * no dir, or when it is unsafe (reported once).
   */
  list(dir: string): { view: SpoolDirView; entries: SpoolEntry[] } | undefined {
    const view = this.checkDir(dir);
    if (view === undefined) return undefined;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      if (systemCode(err) !== 'ENOENT') this.report(err);
      return undefined;
    }
    const entries: SpoolEntry[] = [];
    for (const name of names) {
      const temp = name.endsWith('.tmp');
      const producer = parseProducerFileName(temp ? name.replace(/\.[0-9a-f]+\.tmp$/, '') : name);
      if (producer !== undefined) entries.push({ name, file: path.join(dir, name), pid: producer.pid, startedAt: producer.startedAt, temp });
    }
    entries.sort((a, b) => a.startedAt - b.startedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { view, entries };
  }

  /** Reads a producer file; undefined when it vanished or is unsafe (reported once, left alone). */
  read(view: SpoolDirView, file: string): { text: string; id: FileId } | undefined {
    if (this.checkDir(view.dir, view.id) === undefined) return undefined;
    const found = inspectFile(file);
    if (found === 'missing') return undefined;
    if (found instanceof Error) return this.refuse(found);
    try {
      return readDurableSync(file);
    } catch (err) {
      if (isUnsafe(err)) return this.refuse(err);
      throw err;
    }
  }

  /** Deletes an ingested file (or a dead producer's temp file) after checking the dir and the file again. */
  remove(view: SpoolDirView, file: string, id?: FileId): void {
    if (this.checkDir(view.dir, view.id) === undefined) return;
    try {
      removeDurableSync(file, id);
    } catch (err) {
      if (!isUnsafe(err)) throw err;
      this.refuse(err);
    }
  }

  /** The dir's identity when it is safe (and, with `expected`, still the same dir); else undefined. */
  private checkDir(dir: string, expected?: FileId): SpoolDirView | undefined {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (err) {
      if (systemCode(err) !== 'ENOENT') this.report(err);
      return undefined;
    }
    const error = checkStats(dir, st, 'directory');
    if (error !== undefined) return this.refuse(error);
    const id = fileId(st);
    if (expected !== undefined && !sameFile(id, expected)) return undefined; // replaced during the scan: the next scan checks the new one
    return { dir, id };
  }

  /** Reports an unsafe path once (per path and reason). */
  private refuse(error: SidewireError): undefined {
    const key = `${String(error.details['path'])}\0${String(error.details['reason'])}`;
    if (!this.reported.has(key) && this.reported.size < MAX_REPORTED_UNSAFE) {
      this.reported.add(key);
      this.report(error);
    }
    return undefined;
  }
}

function isUnsafe(err: unknown): err is SidewireError {
  return isSidewireError(err, 'ERR_FILE_UNSAFE');
}
