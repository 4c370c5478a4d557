/**
 * The discovery file `<runtimeDir>/<name>.json` (docs/protocol.md §2): how clients using `auto`
 * find the actual endpoint (with the real TCP port), the server pid and the token.
 *
 * Written atomically (src/util/atomic-file.ts: a private temp file, fsync, rename) with mode 0600;
 * a record whose pid is dead, or was given to a process younger than the record (a reused pid,
 * src/util/process-identity.ts `isWriterAlive`), is stale and ignored; removed on shutdown only
 * while it is still the one we wrote.
 *
 * Trust (docs/security.md "Files"): a discovery file is read through O_NOFOLLOW and believed only
 * when it is a regular file of ours, not writable by group/other, in a directory of ours that
 * nobody else can enter. Anything else may have been planted by another user to send our clients
 * (and their token) to the planter's server: `readDiscovery` ignores it, `readTrustedDiscovery`
 * (what clients use) refuses it with ERR_FILE_UNSAFE. The writer replaces such a file by rename,
 * which never follows a link.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { EndpointError, SidewireError, systemCode, createError } from '../errors.js';
import { checkPath, readSafeSync } from '../util/safe-file.js';
import { writeFileAtomicSync } from '../util/atomic-file.js';
import { isWriterAlive } from '../util/process-identity.js';
import type { DiscoveryRecord } from './types.js';

/** The protocol version published in discovery files and `$/hello`. */
export const PROTOCOL_VERSION = 1;

const CORE_FIELDS = new Set(['endpoint', 'pid', 'protocol', 'startedAt', 'token']);

export interface DiscoveryInput {
  /** Directory of the file (the runtime dir; must exist and be private). */
  readonly runtimeDir: string;
  /** Service name: the file is `<runtimeDir>/<name>.json`. */
  readonly name: string;
  /** The endpoint actually bound (with the real TCP port). */
  readonly endpoint: Endpoint;
  /** The client token, only where one is required. */
  readonly token?: string;
  /** Extra fields (server name/version...). They cannot override the fields above. */
  readonly extra?: Record<string, unknown>;
}

/** What `writeDiscovery` wrote, so that only this exact file is removed later. */
export interface WrittenDiscovery {
  readonly path: string;
  readonly record: DiscoveryRecord;
  readonly text: string;
  readonly ino: number;
}

/** `<runtimeDir>/<name>.json`. */
export function discoveryPath(runtimeDir: string, name: string): string {
  return path.join(runtimeDir, `${name}.json`);
}

function writeError(file: string, err: unknown): EndpointError {
  const errno = systemCode(err);
  const dir = path.dirname(file);
  const why =
    errno === 'ENOSPC' || errno === 'EDQUOT'
      ? 'no space left on the device'
      : errno === 'EROFS'
        ? 'the filesystem is read-only'
        : errno === 'EACCES' || errno === 'EPERM'
          ? 'permission denied'
          : (errno ?? String(err));
  return createError('ERR_DISCOVERY_WRITE', `cannot write discovery file ${file}: ${why}; the server was not started`, {
    cause: err,
    details: { path: file, errno },
    fixes: [
      errno === 'ENOSPC' || errno === 'EDQUOT' ? `free some disk space on the filesystem of ${dir}` : `make ${dir} writable by you (ls -ld ${dir})`,
      'or point XDG_RUNTIME_DIR to a writable directory you own (mode 0700), e.g. XDG_RUNTIME_DIR=/run/user/$(id -u)',
      'or start the server with the discovery option turned off (clients then need the explicit endpoint)',
    ],
  });
}

/**
 * Writes the discovery file atomically with mode 0600.
 * @throws EndpointError ERR_DISCOVERY_WRITE
 */
export function writeDiscovery(input: DiscoveryInput): WrittenDiscovery {
  const file = discoveryPath(input.runtimeDir, input.name);
  const record: Record<string, unknown> = {
    endpoint: formatEndpoint(input.endpoint),
    pid: process.pid,
    protocol: PROTOCOL_VERSION,
    startedAt: new Date().toISOString(),
  };
  if (input.token !== undefined) record['token'] = input.token;
  for (const [key, value] of Object.entries(input.extra ?? {})) {
    if (!CORE_FIELDS.has(key)) record[key] = value;
  }
  const text = `${JSON.stringify(record, null, 2)}\n`;
  try {
    // Replaces whatever is there (a link is replaced, never followed); the temp is removed on failure.
    const written = writeFileAtomicSync(file, text, { mode: 0o600, replace: 'rename' });
    return { path: file, record: record as DiscoveryRecord, text, ino: written.ino };
  } catch (err) {
    if (err instanceof SidewireError && err.details['replaced'] === true) {
      throw writeError(file, Object.assign(new Error(`${file} was replaced right after it was written`), { code: 'EEXIST', cause: err }));
    }
    if (err instanceof SidewireError) throw err;
    throw writeError(file, err);
  }
}

function isRecord(v: unknown): v is DiscoveryRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['endpoint'] === 'string' &&
    typeof r['pid'] === 'number' &&
    Number.isSafeInteger(r['pid']) &&
    r['protocol'] === PROTOCOL_VERSION &&
    typeof r['startedAt'] === 'string' &&
    (r['token'] === undefined || typeof r['token'] === 'string')
  );
}

/**
 * Reads the discovery file `file` if it is one we can trust (see the module comment). Undefined
 * when it is missing, not a valid record, or its pid is dead (a stale record).
 * @throws SidewireError ERR_FILE_UNSAFE when the file or its directory is not safe to trust
 */
export function readTrustedDiscovery(file: string): DiscoveryRecord | undefined {
  const text = readSafeSync(file);
  if (text === undefined) return undefined;
  checkPath(path.dirname(file), 'directory');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isWriterAlive(parsed.pid, Date.parse(parsed.startedAt))) return undefined;
  return parsed;
}

/**
 * Reads a discovery file. Undefined when it is missing, unreadable, not one we can trust (see
 * `readTrustedDiscovery`), not a valid record, or its pid is dead (a stale record). Never throws.
 */
export function readDiscovery(file: string): DiscoveryRecord | undefined {
  try {
    return readTrustedDiscovery(file);
  } catch {
    return undefined;
  }
}

/**
 * The pid of the live server publishing `endpoint` in `runtimeDir`: `<name>.json` first, then any
 * other discovery file there. Undefined when none matches. Never throws.
 */
export function findOwnerPid(runtimeDir: string, name: string, endpoint: Endpoint): number | undefined {
  const wanted = formatEndpoint(endpoint);
  const first = discoveryPath(runtimeDir, name);
  const candidates = [first];
  try {
    for (const entry of fs.readdirSync(runtimeDir)) {
      const p = path.join(runtimeDir, entry);
      if (entry.endsWith('.json') && p !== first) candidates.push(p);
    }
  } catch {
    // unreadable dir: only the named file
  }
  for (const p of candidates) {
    const record = readDiscovery(p);
    if (record?.endpoint === wanted) return record.pid;
  }
  return undefined;
}

/**
 * Removes the discovery file only if it is still the one `written` describes (same inode, same
 * content, our pid). Synchronous and never throws. Returns whether it removed it.
 */
export function removeDiscoveryIfOurs(written: WrittenDiscovery): boolean {
  try {
    if (written.record.pid !== process.pid) return false;
    if (fs.lstatSync(written.path).ino !== written.ino) return false;
    if (readSafeSync(written.path) !== written.text) return false;
    fs.unlinkSync(written.path);
    return true;
  } catch {
    return false;
  }
}
