/**
 * Reading a daemon's JSON config file, with errors that say what is wrong and where
 * (`config.json line 3 column 5: Unexpected token ']'`).
 *
 * Decision (docs/security.md "Files"): unlike the files sidewire creates, the config file is the
 * operator's and may be a symbolic link (deployments link configs: /etc alternatives, Kubernetes
 * ConfigMaps), and may belong to another user (a deploy user configuring a service user). What
 * is checked, on the opened descriptor: it is a regular file (a FIFO would block the start and a
 * device never ends; opened O_NONBLOCK so a FIFO cannot block the open either), at most
 * MAX_CONFIG_BYTES, and not writable by every user (then anyone could configure the daemon:
 * ERR_FILE_UNSAFE).
 */
import * as fs from 'node:fs';
import { SidewireError, createError, systemCode, type DaemonError } from '../errors.js';
import { unsafeFileError } from '../util/safe-file.js';
import { jsonErrorOffset, lineAndColumn } from './json-error-offset.js';

/** Reads `file` as a JSON object. Throws `ERR_CONFIG` when it is missing, unreadable, not JSON or not an object. */
export function readConfigFile(file: string): Record<string, unknown> {
  const text = readText(file).replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw createError('ERR_CONFIG', `${file} ${whereAndWhat(text, err)}`, {
      fixes: [`fix the JSON syntax in ${file} (JSON allows no comments, trailing commas or single quotes)`],
      details: { file },
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw createError('ERR_CONFIG', `${file}: expected a JSON object at the top level, got ${got}`, {
      fixes: [`make ${file} an object, e.g. {"port": 8080}`],
      details: { file },
    });
  }
  return value as Record<string, unknown>;
}

/** Largest config file read (1 MiB): a config is a few KiB; anything bigger is a wrong path. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function openConfig(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT') {
      throw createError('ERR_CONFIG', `config file ${file} does not exist`, {
        cause: err,
        fixes: [`create ${file} (an empty config is {})`, 'or start without a config file to use the defaults and environment variables only'],
        details: { file },
      });
    }
    throw cannotRead(file, code ?? (err as Error).message, err);
  }
}

function cannotRead(file: string, why: string, cause?: unknown): DaemonError {
  return createError('ERR_CONFIG', `cannot read config file ${file}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    fixes: [`check that ${file} is a readable regular file (ls -l ${file})`],
    details: { file },
  });
}

/** Checks the opened config file (see the module comment). */
function checkConfigStats(file: string, st: fs.Stats): void {
  if (st.isDirectory()) throw cannotRead(file, 'EISDIR (it is a directory)');
  if (!st.isFile()) throw cannotRead(file, 'it is not a regular file (a FIFO, socket or device)');
  if (typeof process.getuid === 'function' && (st.mode & 0o002) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw unsafeFileError(file, `its mode is ${mode}, which lets every user write it (and so configure this daemon)`, `run: chmod o-w ${file}`, {
      reason: 'mode',
      mode,
    });
  }
  if (st.size > MAX_CONFIG_BYTES) throw tooLarge(file, st.size);
}

function tooLarge(file: string, size: number | undefined): DaemonError {
  return createError('ERR_CONFIG', `config file ${file} is larger than ${MAX_CONFIG_BYTES} bytes${size === undefined ? '' : ` (${size})`}: is it the right file?`, {
    fixes: [`point the config option at the daemon's JSON config (a few KiB), not ${file}`],
    details: { file, size, limit: MAX_CONFIG_BYTES },
  });
}

function readText(file: string): string {
  const fd = openConfig(file);
  try {
    checkConfigStats(file, fs.fstatSync(fd));
    // Bounded even if the file grows after the fstat.
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(file, undefined);
    }
    return buf.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof SidewireError) throw err;
    throw cannotRead(file, systemCode(err) ?? (err as Error).message, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** `line L column C: <reason>` for a JSON.parse error, without V8's quote of the source. */
function whereAndWhat(text: string, err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const reason = raw
    .replace(/, (\.\.\.)?"[\s\S]*" is not valid JSON$/, '') // V8 quotes the source here: drop it (may hold secrets)
    .replace(/ in JSON at position \d+[\s\S]*$/, '')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n');
  const at = /at position (\d+)/.exec(raw);
  const offset = at !== null ? Number(at[1]) : jsonErrorOffset(text);
  if (offset === undefined) return `: ${reason}`;
  const { line, column } = lineAndColumn(text, offset);
  return `line ${line} column ${column}: ${reason}`;
}
