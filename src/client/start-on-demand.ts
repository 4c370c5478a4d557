/**
 * Start on demand (docs/daemon.md "Start on demand"): when a client with the `spawn` option finds
 * nothing listening (ERR_NOT_RUNNING), it starts the daemon itself, detached, and connects once
 * the daemon listens and answers `$/hello`.
 *
 * Many clients may find the endpoint empty at once (ten editor hooks firing together): they
 * serialise on the lock file `<runtime dir>/<name>.spawn.lock` (transport/lock-file.ts, the one
 * the servers use, so a dead holder's lock is stale and broken). Whoever holds it tries to
 * connect first — a daemon started by the previous holder answers — and only when nothing
 * listens does it start one. So exactly one daemon starts.
 *
 * The daemon's stderr goes to `<runtime dir>/<name>.spawn.log` (0600, in the private runtime
 * dir); when it exits before it is ready, or is not ready within `readyTimeoutMs`, the coded
 * ERR_SPAWN error ends with the tail of that file; a daemon not ready in time is sent SIGTERM
 * (its whole process group) so that it does not linger.
 */
import { spawn as spawnChild } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { currentUser, ensureRuntimeDir } from '../endpoint/runtime-dir.js';
import { createError, isSidewireError, type ConnectionError } from '../errors.js';
import { acquireLock, releaseLock } from '../transport/lock-file.js';

/** The `spawn` option of a client: the daemon to start when nothing listens. */
export interface SpawnOptions {
  /** The program, e.g. `process.execPath` or `/usr/bin/myappd` (no shell is involved). */
  readonly command: string;
  /**
   * Its arguments.
   * @default []
   */
  readonly args?: readonly string[];
  /**
   * Variables added to this process's environment for the daemon.
   * @default none (the daemon inherits this process's environment)
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Its working directory.
   * @default this process's
   */
  readonly cwd?: string;
  /**
   * How long the daemon may take to listen and answer `$/hello`, from its start; also how long a
   * client waits for another client that is starting it.
   * @default 10000
   */
  readonly readyTimeoutMs?: number;
}

/** Default `readyTimeoutMs`. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000;
/** Bytes of the daemon's stderr quoted in ERR_SPAWN. */
const STDERR_TAIL_BYTES = 4096;
/** The first wait between two readiness checks; it doubles up to `MAX_POLL_MS`. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;

/** Where a client's start-on-demand files live. */
export interface SpawnPlace {
  /** The runtime dir of the app (created 0700 when missing). */
  readonly runtimeDir: string;
  /** The service name: files `<name>.spawn.lock` and `<name>.spawn.log`. */
  readonly name: string;
  /** The endpoint, for messages. */
  readonly endpoint: string;
}

/** How a daemon started by us ended before it was ready. */
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

function notRunning(err: unknown): boolean {
  return isSidewireError(err, 'ERR_NOT_RUNNING');
}

/**
 * Runs `connect`; when nothing listens (`placeOf` is read only then), starts the daemon under the spawn lock and retries until
 * it answers, within `readyTimeoutMs`.
 * @throws ConnectionError ERR_SPAWN (with the daemon's stderr tail), or what `connect` threw otherwise
 */
export async function connectOrSpawn<T>(options: SpawnOptions, placeOf: () => SpawnPlace, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    if (!notRunning(err)) throw err;
  }
  const readyMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const place = placeOf();
  const dir = ensureRuntimeDir(place.runtimeDir, currentUser().uid);
  const lockPath = path.join(dir, `${place.name}.spawn.lock`);
  const got = await acquireLock(lockPath, { timeoutMs: readyMs + 5000 });
  if (!got.ok) {
    // The holder is still starting it (or stuck): one last try, then say so.
    try {
      return await connect();
    } catch (err) {
      throw spawnError(`another client (pid ${String(got.holderPid)}) is starting the daemon for ${place.endpoint} and it did not become ready within ${readyMs + 5000} ms`, options, undefined, err);
    }
  }
  try {
    try {
      return await connect(); // the previous holder started it
    } catch (err) {
      if (!notRunning(err)) throw err;
    }
    return await startAndWait(options, path.join(dir, `${place.name}.spawn.log`), readyMs, place.endpoint, connect);
  } finally {
    releaseLock(got.lock);
  }
}

async function startAndWait<T>(options: SpawnOptions, logPath: string, readyMs: number, endpoint: string, connect: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const log = fs.openSync(logPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
  let exit: Exit | undefined;
  let pid: number | undefined;
  try {
    const child = spawnChild(options.command, [...(options.args ?? [])], {
      detached: true,
      stdio: ['ignore', 'ignore', log],
      env: { ...process.env, ...options.env },
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    child.on('error', (error) => (exit = { code: null, signal: null, error }));
    child.on('exit', (code, signal) => (exit ??= { code, signal }));
    child.unref();
    pid = child.pid;
  } finally {
    fs.closeSync(log);
  }
  let last: unknown;
  let wait = FIRST_POLL_MS;
  for (;;) {
    await sleep(wait);
    wait = Math.min(MAX_POLL_MS, wait * 2);
    if (exit !== undefined) {
      try {
        return await connect(); // it may have found another instance and left: fine when one answers
      } catch {
        throw spawnError(`the daemon for ${endpoint} ${exitText(exit)} before it was ready`, options, logPath, exit.error);
      }
    }
    try {
      return await connect();
    } catch (err) {
      last = err;
    }
    if (Date.now() - started >= readyMs) {
      stopGroup(pid); // not ready in time: it must not linger (nor answer later clients half-started)
      throw spawnError(`the daemon for ${endpoint} did not listen and answer $/hello within ${readyMs} ms`, options, logPath, last);
    }
  }
}

/** SIGTERM to the detached daemon's process group (it leads one: `detached: true`). */
function stopGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

function exitText(exit: Exit): string {
  if (exit.error !== undefined) return `could not be started (${exit.error.message})`;
  return exit.signal === null ? `exited with code ${String(exit.code)}` : `was killed by ${exit.signal}`;
}

/** The last bytes of the daemon's stderr log, '' when there are none. */
export function stderrTail(logPath: string | undefined): string {
  if (logPath === undefined) return '';
  let fd: number | undefined;
  try {
    fd = fs.openSync(logPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, STDERR_TAIL_BYTES);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8').trim();
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function spawnError(what: string, options: SpawnOptions, logPath: string | undefined, cause: unknown): ConnectionError {
  const tail = stderrTail(logPath);
  const command = [options.command, ...(options.args ?? [])].join(' ');
  return createError('ERR_SPAWN', `${what}${tail === '' ? '' : `; its stderr ends with:\n${tail}`}`, {
    fixes: [
      `run the daemon by hand to see why: ${command}`,
      `raise spawn.readyTimeoutMs (now ${options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS}) if it only starts slowly`,
    ],
    details: { command, stderrTail: tail, ...(logPath === undefined ? {} : { log: logPath }) },
    ...(cause === undefined ? {} : { cause }),
  });
}
