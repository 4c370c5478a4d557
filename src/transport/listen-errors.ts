/**
 * Turns a system error from listening (bind, lock file, chmod, unlink) into a coded
 * `EndpointError` with numbered fixes. Pure: unit-testable with an injected error on any OS,
 * which is how the Windows named-pipe cases are covered on Linux.
 */
import * as path from 'node:path';
import type { Endpoint } from '../endpoint/endpoint.js';
import { formatEndpoint } from '../endpoint/parse.js';
import { createError, systemCode, type EndpointError } from '../errors.js';

/** The codes a listen failure maps to, all of them `EndpointError`s. */
type ListenCode = 'ERR_ENDPOINT_IN_USE' | 'ERR_ENDPOINT_LISTEN' | 'ERR_ENDPOINT_NOT_SOCKET' | 'ERR_ENDPOINT_PATH_TOO_LONG' | 'ERR_ENDPOINT_PERMISSION';

export interface ListenErrorContext {
  /**
   * What was being done when the error happened, e.g. 'bind', 'lock', 'remove stale socket'.
   * @default 'listen'
   */
  readonly operation?: string;
  /**
   * Environment variable that selects the endpoint, named in the fixes.
   * @default '<APP>_ENDPOINT'
   */
  readonly envVar?: string;
  /** Pid of the server that already holds the endpoint, when known. */
  readonly ownerPid?: number;
  /** The file the failing operation touched, when it is not the socket path itself. */
  readonly path?: string;
}

/** Another spelling of `endpoint` that is likely to be free: a working value for the fixes. */
export function alternativeEndpoint(endpoint: Endpoint): string {
  switch (endpoint.kind) {
    case 'unix': {
      const ext = path.extname(endpoint.path);
      const base = ext === '' ? endpoint.path : endpoint.path.slice(0, -ext.length);
      return formatEndpoint({ kind: 'unix', path: `${base}-2${ext === '' ? '.sock' : ext}` });
    }
    case 'abstract':
      return formatEndpoint({ kind: 'abstract', name: `${endpoint.name}-2` });
    case 'pipe':
      return formatEndpoint({ kind: 'pipe', name: `${endpoint.name}-2` });
    case 'tcp':
      return formatEndpoint({ kind: 'tcp', host: endpoint.host, port: 0 });
  }
}

function useOther(endpoint: Endpoint, envVar: string): string {
  return `use another endpoint: set ${envVar}=${alternativeEndpoint(endpoint)} (or pass it as the endpoint option)`;
}

function inUse(endpoint: Endpoint, where: string, ctx: ListenErrorContext, envVar: string): [string, string[]] {
  const owner = ctx.ownerPid === undefined ? 'another process' : `another server (pid ${ctx.ownerPid})`;
  switch (endpoint.kind) {
    case 'tcp':
      return [
        `port ${endpoint.port} on ${endpoint.host} is already in use by ${owner}`,
        [
          `stop the process that listens on port ${endpoint.port}, or choose another port`,
          `use port 0 to pick a free port (clients find it in the discovery file): set ${envVar}=tcp://${endpoint.host === '::1' ? '[::1]' : endpoint.host}:0`,
          'or enable the portFallback option to try the next ports',
        ],
      ];
    case 'pipe':
      return [
        `named pipe ${where} is already owned by ${owner} (the first instance of a pipe name wins)`,
        [`stop the other server (sidewire status / sidewire doctor shows it)`, useOther(endpoint, envVar)],
      ];
    default:
      return [
        `${where} is already in use: ${owner} is listening on it`,
        [
          ctx.ownerPid === undefined ? 'stop the other server first' : `stop the other server first (kill ${ctx.ownerPid})`,
          useOther(endpoint, envVar),
        ],
      ];
  }
}

/** Maps a listen-side system error to a coded EndpointError (with `cause`). */
export function mapListenError(err: unknown, endpoint: Endpoint, context: ListenErrorContext = {}): EndpointError {
  const errno = systemCode(err);
  const envVar = context.envVar ?? '<APP>_ENDPOINT';
  const where = formatEndpoint(endpoint);
  const file = context.path ?? (endpoint.kind === 'unix' ? endpoint.path : where);
  const dir = path.dirname(file);
  const op = context.operation ?? 'listen';
  const details: Record<string, unknown> = { endpoint: where, errno, operation: op };
  if (context.path !== undefined) details['path'] = context.path;
  if (context.ownerPid !== undefined) details['pid'] = context.ownerPid;
  const make = (code: ListenCode, why: string, fixes: string[]): EndpointError =>
    createError(code, `cannot listen on ${where} (${op}): ${why}`, { cause: err, fixes, details });

  switch (errno) {
    case 'EADDRINUSE': {
      const [why, fixes] = inUse(endpoint, where, context, envVar);
      return make('ERR_ENDPOINT_IN_USE', why, fixes);
    }
    case 'EACCES':
    case 'EPERM':
      if (endpoint.kind === 'tcp') {
        return make('ERR_ENDPOINT_PERMISSION', `permission denied binding port ${endpoint.port} (${errno})`, [
          'ports below 1024 need privileges: use a port of 1024 or higher',
          `or use port 0: set ${envVar}=tcp://127.0.0.1:0`,
        ]);
      }
      if (endpoint.kind === 'pipe') {
        return make('ERR_ENDPOINT_PERMISSION', `permission denied creating named pipe ${where} (${errno}); another user may own it`, [
          'stop the other user\'s server, or run as the user that owns the pipe',
          useOther(endpoint, envVar),
        ]);
      }
      return make('ERR_ENDPOINT_PERMISSION', `permission denied on ${file} (${errno})`, [
        `make ${dir} writable by you (check: ls -ld ${dir})`,
        useOther(endpoint, envVar),
      ]);
    case 'ENOENT':
    case 'ENOTDIR':
      return make('ERR_ENDPOINT_LISTEN', `directory ${dir} does not exist (${errno})`, [
        `create it: mkdir -p -m 700 ${dir}`,
        useOther(endpoint, envVar),
      ]);
    case 'EROFS':
      return make('ERR_ENDPOINT_LISTEN', `${dir} is on a read-only filesystem (EROFS)`, [
        'choose a socket path on a writable filesystem, e.g. under $XDG_RUNTIME_DIR or /tmp',
        useOther(endpoint, envVar),
      ]);
    case 'ENOSPC':
    case 'EDQUOT':
      return make('ERR_ENDPOINT_LISTEN', `no space left on the filesystem of ${dir} (${errno})`, [
        'free some disk space (or inodes) there',
        useOther(endpoint, envVar),
      ]);
    case 'EISDIR':
    case 'ENOTSOCK':
      return make('ERR_ENDPOINT_NOT_SOCKET', `${file} exists and is not a socket (${errno}); it was left alone`, [
        `move it away (mv ${file} ${file}.bak) if it is not needed`,
        useOther(endpoint, envVar),
      ]);
    case 'ENAMETOOLONG':
      return make('ERR_ENDPOINT_PATH_TOO_LONG', `the path ${file} is too long for a socket (${errno})`, [
        'choose a shorter path (Linux allows 107 bytes, macOS/BSD 103)',
        endpoint.kind === 'unix' ? `on Linux an abstract name needs no file: set ${envVar}=unix:@${path.basename(file, '.sock')}` : useOther(endpoint, envVar),
      ]);
    case 'EADDRNOTAVAIL':
      return make('ERR_ENDPOINT_LISTEN', `the address is not available on this machine (EADDRNOTAVAIL)`, [
        `listen on loopback instead: set ${envVar}=tcp://127.0.0.1:0`,
        'check the host name or address in the endpoint',
      ]);
    default:
      return make('ERR_ENDPOINT_LISTEN', `${errno ?? (err instanceof Error ? err.message : String(err))}`, [
        'check the endpoint and the permissions of its directory',
        useOther(endpoint, envVar),
      ]);
  }
}
