/**
 * Where durable notifications live (docs/reconnect.md): the spool dir with one file per producer,
 * the server's seen-id log, and the reference daemon's inbox. Client and server derive the same
 * paths from the same endpoint settings:
 * - an explicit Unix socket that is not the platform default: beside the socket, `<socket>.spool/`;
 * - anything else (the default, abstract, TCP, pipe): `<runtime dir>/<name>.spool/`.
 */
import * as path from 'node:path';
import type { Endpoint } from '../endpoint/endpoint.js';
import { currentUser, ensureRuntimeDir, runtimeDirFor } from '../endpoint/runtime-dir.js';
import { SidewireError, systemCode, createError } from '../errors.js';
import { resolveClientEndpoint, type ClientTargetOptions } from '../transport/client-target.js';
import { isNatsEndpoint, parseNatsEndpoint } from '../endpoint/nats-url.js';
import { checkPath, ensurePrivateDir } from '../util/safe-file.js';

export interface DurablePaths {
  /** One `p<pid>-<startedAt>-<token>.jsonl` file per producer (mode 0700 dir, 0600 files). */
  readonly spoolDir: string;
  /** The server's persisted window of ids already delivered (default store). */
  readonly seenFile: string;
  /** The reference daemon's inbox (append-only JSONL). */
  readonly inboxFile: string;
  /** The runtime dir, created (0700) when the spool dir lives inside it; undefined otherwise. */
  readonly runtimeDir: string | undefined;
}

/** What the paths are derived from: a resolved endpoint (see `resolveEndpoint`). */
export interface DurablePathInputs {
  readonly endpoint: Endpoint;
  readonly runtimeDir: string;
  readonly name: string;
}

/** The durable paths for an endpoint. Pure. */
export function durablePaths(r: DurablePathInputs): DurablePaths {
  const defaultSocket = path.join(r.runtimeDir, `${r.name}.sock`);
  const besideSocket = r.endpoint.kind === 'unix' && r.endpoint.path !== defaultSocket;
  const base = besideSocket && r.endpoint.kind === 'unix' ? r.endpoint.path : path.join(r.runtimeDir, r.name);
  const spoolDir = `${base}.spool`;
  return {
    spoolDir,
    seenFile: path.join(spoolDir, 'server.seen'),
    inboxFile: `${base}.inbox.jsonl`,
    runtimeDir: besideSocket ? undefined : r.runtimeDir,
  };
}

/** The durable paths a client with these options uses (same resolution as the server). */
export function clientDurablePaths(options: ClientTargetOptions & { readonly service?: string }): DurablePaths {
  if (isNatsEndpoint(options.endpoint)) {
    // docs/nats.md: a NATS client spools beside, not into, a local server's spool dir
    const nats = parseNatsEndpoint(options.endpoint);
    const app = options.app ?? 'sidewire';
    const runtimeDir = runtimeDirFor(app, options.env ?? process.env, currentUser());
    return durablePaths({ endpoint: { kind: 'tcp', host: nats.host, port: nats.port }, runtimeDir, name: `${options.name ?? app}.nats-${options.service ?? app}` });
  }
  return durablePaths(resolveClientEndpoint(options));
}

/**
 * A spool error (ERR_SPOOL: cannot write) for a failed file operation; a SidewireError (such as
 * ERR_FILE_UNSAFE, a refused file) is returned as it is.
 */
export function spoolError(what: string, file: string, err: unknown): SidewireError {
  if (err instanceof SidewireError) return err;
  const errno = systemCode(err);
  const why = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'no space left on the device' : errno === 'EACCES' || errno === 'EPERM' ? 'permission denied' : (errno ?? (err instanceof Error ? err.message : String(err)));
  return createError('ERR_SPOOL', `cannot ${what} ${file}: ${why}`, {
    cause: err,
    details: { path: file, errno },
    fixes: [
      errno === 'ENOSPC' || errno === 'EDQUOT' ? `free some disk space on the filesystem of ${path.dirname(file)}` : `make ${path.dirname(file)} a directory you own with mode 0700 (ls -ld ${path.dirname(file)})`,
      'or point XDG_RUNTIME_DIR (or the endpoint) at a writable directory you own',
    ],
  });
}

/**
 * Creates the spool dir (mode 0700, and the runtime dir when it lives there) and checks that it
 * is a real directory owned by this user with no group/other access (docs/reconnect.md, "File
 * checks").
 * @throws SidewireError ERR_FILE_UNSAFE when what is there is not safe to use, ERR_SPOOL when it
 *   cannot be created; EndpointError ERR_RUNTIME_DIR_UNSAFE for an unsafe runtime dir
 */
export function ensureSpoolDir(paths: DurablePaths): string {
  const { uid } = currentUser();
  if (paths.runtimeDir !== undefined) ensureRuntimeDir(paths.runtimeDir, uid);
  try {
    ensurePrivateDir(paths.spoolDir, uid);
  } catch (err) {
    throw spoolError('create the spool dir', paths.spoolDir, err);
  }
  if (!checkPath(paths.spoolDir, 'directory', uid)) throw spoolError('create the spool dir', paths.spoolDir, new Error('it vanished'));
  return paths.spoolDir;
}

/** A producer's spool file name: `p<pid>-<startedAt>-<token>.jsonl`. */
export function producerFileName(pid: number, startedAt: number, token: string): string {
  return `p${pid}-${startedAt}-${token}.jsonl`;
}

/** The producer a spool file name belongs to, or undefined for any other file. */
export function parseProducerFileName(name: string): { pid: number; startedAt: number; token: string } | undefined {
  const m = /^p(\d+)-(\d+)-([0-9a-f]{1,64})\.jsonl$/.exec(name);
  if (m === null) return undefined;
  return { pid: Number(m[1]), startedAt: Number(m[2]), token: m[3]! };
}
