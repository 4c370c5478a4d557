"""The per-user runtime dir (docs/protocol.md §1), computed as the Node client computes it:
``$XDG_RUNTIME_DIR/<app>`` when that variable is an absolute path to a directory owned by the
current user, else ``<os tmpdir>/<app>-<uid>``. "os tmpdir" is Node's ``os.tmpdir()``:
``$TMPDIR``, else ``$TMP``, else ``$TEMP``, else ``/tmp``, with a trailing ``/`` removed (not
Python's ``tempfile.gettempdir()``, which probes other places)."""
import getpass
import os
import re
import stat
from typing import Mapping, Optional

from .errors import SidewireError


def own_uid() -> Optional[int]:
    """The uid files must belong to; None where the OS has none (Windows)."""
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else None


def current_user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers with an arbitrary uid)
        uid = own_uid()
        return os.environ.get("USER") or os.environ.get("USERNAME") or ("user" if uid is None else str(uid))


def safe_user_name(name: str) -> str:
    """Lowercase letters, digits, '.', '_' and '-' (as in pipe names)."""
    cleaned = re.sub(r"^[._]+", "", re.sub(r"[^a-z0-9._-]+", "_", name.lower()))
    return cleaned or "user"


def node_tmpdir(env: Mapping[str, str]) -> str:
    """Node's os.tmpdir() on POSIX: TMPDIR, TMP, TEMP, else /tmp; a trailing slash is removed."""
    for var in ("TMPDIR", "TMP", "TEMP"):
        value = env.get(var)
        if value:
            path = value
            break
    else:
        path = "/tmp"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def runtime_dir_for(app: str, env: Mapping[str, str]) -> str:
    """The runtime dir for `app`; creates nothing."""
    uid = own_uid()
    xdg = env.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg) and uid is not None:
        try:
            st = os.lstat(xdg)
            if stat.S_ISDIR(st.st_mode) and st.st_uid == uid:
                return os.path.join(xdg, app)
        except OSError:
            pass
    suffix = safe_user_name(current_user_name()) if uid is None else str(uid)
    return os.path.join(node_tmpdir(env), f"{app}-{suffix}")


def _unsafe(d: str, why: str, fix: str, reason: str) -> SidewireError:
    return SidewireError(
        "ERR_RUNTIME_DIR_UNSAFE",
        f"runtime dir {d} is unsafe: {why}",
        [fix, "or set XDG_RUNTIME_DIR to a directory you own with mode 0700", "or pass an explicit endpoint in a directory you own"],
        {"dir": d, "reason": reason},
    )


def ensure_runtime_dir(d: str) -> str:
    """Creates the runtime dir (0700) when missing, then checks it: a real directory of ours,
    no group/other access. Raises ERR_RUNTIME_DIR_UNSAFE or ERR_RUNTIME_DIR_CREATE."""
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    except OSError as err:
        raise SidewireError(
            "ERR_RUNTIME_DIR_CREATE",
            f"cannot create runtime dir {d}: {err.strerror}",
            [f"make {os.path.dirname(d)} writable by you", "or set XDG_RUNTIME_DIR to a writable directory you own"],
            {"dir": d},
            err,
        ) from err
    st = os.lstat(d)
    if stat.S_ISLNK(st.st_mode):
        raise _unsafe(d, "it is a symbolic link", f"remove the link (rm {d}) so a real directory can be created", "symlink")
    if not stat.S_ISDIR(st.st_mode):
        raise _unsafe(d, "it is not a directory", f"move the file {d} out of the way", "not-directory")
    uid = own_uid()
    if uid is not None and st.st_uid != uid:
        raise _unsafe(d, f"it is owned by uid {st.st_uid}, not by you (uid {uid})", "remove it (as its owner) or choose another app name", "foreign-owner")
    if uid is not None and st.st_mode & 0o077:
        raise _unsafe(d, f"its mode is {st.st_mode & 0o777:04o}, which lets other users in", f"run: chmod 700 {d}", "mode")
    return d
