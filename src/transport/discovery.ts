/**
 * The discovery file `<runtimeDir>/<name>.json` (DESIGN.md §2): how clients using `auto` find the
 * actual endpoint (with the real TCP port), the server pid and the token.
 *
 * Written atomically (a private temp file, fsync, rename) with mode 0600; a record whose pid is
 * dead is stale and ignored; removed on shutdown only while it is still the one we wrote.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { EndpointError, systemCode } from '../errors.js';
import { isProcessAlive } from './process-identity.js';
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
  return new EndpointError('ERR_DISCOVERY_WRITE', `cannot write discovery file ${file}: ${why}; the server was not started`, {
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
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const ino = fs.statSync(file).ino;
    return { path: file, record: record as DiscoveryRecord, text, ino };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
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
 * Reads a discovery file. Undefined when it is missing, unreadable, not a valid record, or its
 * pid is dead (a stale record). Never throws.
 */
export function readDiscovery(file: string): DiscoveryRecord | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!isRecord(parsed) || !isProcessAlive(parsed.pid)) return undefined;
    return parsed;
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
    if (fs.statSync(written.path).ino !== written.ino) return false;
    if (fs.readFileSync(written.path, 'utf8') !== written.text) return false;
    fs.unlinkSync(written.path);
    return true;
  } catch {
    return false;
  }
}
