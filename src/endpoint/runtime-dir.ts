/**
 * The per-user runtime directory that holds socket files, discovery files, locks and spools
 * (docs/protocol.md §1): `$XDG_RUNTIME_DIR/<app>` when XDG_RUNTIME_DIR names a directory owned by the
 * current user, else `<os tmpdir>/<app>-<uid>`. On Windows (no uid) it is `%LOCALAPPDATA%\<app>`, where
 * a Windows user looks for an application's per-user local files (docs/windows.md), else
 * `<os tmpdir>\<app>-<user>` when LOCALAPPDATA is unset or not absolute.
 * It is created with mode 0700; an existing one must be a real directory (not a symlink), owned
 * by the current user, with no group/other access.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EndpointError, systemCode, createError } from '../errors.js';

/** Who we are and where temp files go. Injectable so tests can pretend to be another user. */
export interface UserInputs {
  /** Numeric uid, or null where the OS has none (Windows). */
  readonly uid: number | null;
  readonly username: string;
  readonly tmpdir: string;
}

/** The filesystem calls the runtime-dir rules need; injectable for tests. */
export interface RuntimeDirFs {
  lstat(p: string): fs.Stats;
  mkdir(p: string, mode: number): void;
}

export type RuntimeDirStatus =
  | { readonly state: 'missing'; readonly dir: string }
  | { readonly state: 'safe'; readonly dir: string }
  | { readonly state: 'unsafe'; readonly dir: string; readonly error: EndpointError };

const realFs: RuntimeDirFs = {
  lstat: (p) => fs.lstatSync(p),
  mkdir: (p, mode) => fs.mkdirSync(p, { mode }),
};

/** The current process's user, read once. */
export function currentUser(): UserInputs {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  let username: string;
  try {
    username = os.userInfo().username;
  } catch {
    username = process.env['USER'] ?? process.env['USERNAME'] ?? (uid === null ? 'user' : String(uid));
  }
  return { uid, username, tmpdir: os.tmpdir() };
}

/** A user name made safe for a file or pipe name: lowercase letters, digits, `.`, `_`, `-`. */
export function safeUserName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'user' : cleaned;
}

/** The runtime dir for `app`, following docs/protocol.md §1. Does not create anything. */
export function runtimeDirFor(
  app: string,
  env: Readonly<Record<string, string | undefined>>,
  user: UserInputs,
  fsImpl: Pick<RuntimeDirFs, 'lstat'> = realFs,
): string {
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '' && path.isAbsolute(xdg) && user.uid !== null) {
    try {
      const st = fsImpl.lstat(xdg);
      if (st.isDirectory() && st.uid === user.uid) return path.join(xdg, app);
    } catch {
      // unreadable or missing: fall back to tmpdir
    }
  }
  if (user.uid === null) {
    const local = windowsLocalAppData(env);
    if (local !== null) return local.join(local.dir, app);
  }
  const suffix = user.uid === null ? safeUserName(user.username) : String(user.uid);
  return path.join(user.tmpdir, `${app}-${suffix}`);
}

/** `%LOCALAPPDATA%` with the path flavour that reads it as absolute (win32 on Windows), or null. */
function windowsLocalAppData(env: Readonly<Record<string, string | undefined>>): { dir: string; join: (...parts: string[]) => string } | null {
  const dir = env['LOCALAPPDATA'];
  if (dir === undefined || dir === '') return null;
  if (path.isAbsolute(dir)) return { dir, join: path.join };
  if (path.win32.isAbsolute(dir) && /^[A-Za-z]:[\\/]|^[\\/]{2}[^\\/]/.test(dir)) return { dir, join: path.win32.join };
  return null;
}

function unsafe(dir: string, why: string, fix: string, details: Record<string, unknown>): RuntimeDirStatus {
  return {
    state: 'unsafe',
    dir,
    error: createError('ERR_RUNTIME_DIR_UNSAFE', `runtime dir ${dir} is unsafe: ${why}`, {
      fixes: [
        fix,
        'or set XDG_RUNTIME_DIR to a directory you own with mode 0700',
        'or pass an explicit endpoint in a directory you own (e.g. unix://$HOME/.<app>.sock)',
      ],
      details: { dir, ...details },
    }),
  };
}

/** Checks an existing runtime dir without changing it. */
export function checkRuntimeDir(
  dir: string,
  uid: number | null,
  fsImpl: Pick<RuntimeDirFs, 'lstat'> = realFs,
): RuntimeDirStatus {
  let st: fs.Stats;
  try {
    st = fsImpl.lstat(dir);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return { state: 'missing', dir };
    return unsafe(dir, `it cannot be inspected (${systemCode(err) ?? String(err)})`, `check the permissions of ${path.dirname(dir)}`, {});
  }
  if (st.isSymbolicLink()) {
    return unsafe(dir, 'it is a symbolic link', `remove the link (rm ${dir}) so sidewire can create a real directory`, { reason: 'symlink' });
  }
  if (!st.isDirectory()) {
    return unsafe(dir, 'it is not a directory', `move the file ${dir} out of the way`, { reason: 'not-directory' });
  }
  if (uid === null) return { state: 'safe', dir }; // Windows: ACLs, not mode bits
  if (st.uid !== uid) {
    return unsafe(dir, `it is owned by uid ${st.uid}, not by you (uid ${uid})`, `remove it (as its owner) or choose another app name`, {
      reason: 'foreign-owner',
      owner: st.uid,
    });
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return unsafe(dir, `its mode is ${mode}, which lets other users in`, `run: chmod 700 ${dir}`, { reason: 'mode', mode });
  }
  return { state: 'safe', dir };
}

/**
 * Creates the runtime dir (mode 0700) if missing, then verifies it.
 * @throws EndpointError ERR_RUNTIME_DIR_UNSAFE or ERR_RUNTIME_DIR_CREATE
 */
export function ensureRuntimeDir(dir: string, uid: number | null, fsImpl: RuntimeDirFs = realFs): string {
  let status = checkRuntimeDir(dir, uid, fsImpl);
  if (status.state === 'missing') {
    try {
      fsImpl.mkdir(dir, 0o700);
    } catch (err) {
      const code = systemCode(err);
      if (code !== 'EEXIST') {
        throw createError('ERR_RUNTIME_DIR_CREATE', `cannot create runtime dir ${dir}: ${code ?? String(err)}`, {
          cause: err,
          fixes: [
            code === 'ENOENT' ? `create the parent directory ${path.dirname(dir)} first` : `make ${path.dirname(dir)} writable by you`,
            'or set XDG_RUNTIME_DIR to a writable directory you own',
            'or pass an explicit endpoint such as tcp://127.0.0.1:0',
          ],
          details: { dir, errno: code },
        });
      }
    }
    status = checkRuntimeDir(dir, uid, fsImpl);
  }
  if (status.state === 'unsafe') throw status.error;
  if (status.state === 'missing') {
    throw createError('ERR_RUNTIME_DIR_CREATE', `runtime dir ${dir} vanished while it was being created`, {
      fixes: ['retry; if it keeps happening, something else is removing the directory'],
      details: { dir },
    });
  }
  return dir;
}
