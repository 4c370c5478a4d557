"""Files the client reads or writes — discovery file, spool dir and spool files — are checked
the way the Node side checks them (docs/reconnect.md "File checks", docs/security.md "Files"):
never through a symbolic link (O_NOFOLLOW, checked again with fstat on the opened descriptor),
owned by the current user, no group/other write (directories: no group/other access), a single
name (no hard link). O_NONBLOCK keeps a planted FIFO from stalling the open. Anything else is
ERR_FILE_UNSAFE naming the path, the reason and the fix."""
import errno
import os
import stat
from typing import Optional

from .errors import SidewireError
from .runtime_dir import own_uid

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def unsafe_file_error(p: str, why: str, fix: str, reason: str, **extra: object) -> SidewireError:
    return SidewireError(
        "ERR_FILE_UNSAFE",
        f"refusing to use {p}: {why}",
        [fix, "or use an endpoint in a directory only you can write (the default runtime dir is one)"],
        {"path": p, "reason": reason, **extra},
    )


def check_stats(p: str, st: os.stat_result, kind: str) -> Optional[SidewireError]:
    """The error for what was found at `p` ('file' or 'directory'), or None when it is safe."""
    if stat.S_ISLNK(st.st_mode):
        return unsafe_file_error(p, "it is a symbolic link", f"remove the link (rm {p}); sidewire never follows links it did not make", "symlink")
    right = stat.S_ISDIR(st.st_mode) if kind == "directory" else stat.S_ISREG(st.st_mode)
    if not right:
        return unsafe_file_error(p, f"it is not a {'directory' if kind == 'directory' else 'regular file'}", f"move {p} out of the way", "type")
    uid = own_uid()
    if uid is None:
        return None
    if st.st_uid != uid:
        return unsafe_file_error(p, f"it is owned by uid {st.st_uid}, not by you (uid {uid})", f"remove {p} (as its owner or root)", "foreign-owner", owner=st.st_uid)
    forbidden = 0o077 if kind == "directory" else 0o022
    if st.st_mode & forbidden:
        mode = f"{st.st_mode & 0o777:04o}"
        who = "in" if kind == "directory" else "write it"
        return unsafe_file_error(p, f"its mode is {mode}, which lets other users {who}", f"run: chmod {'700' if kind == 'directory' else '600'} {p}", "mode", mode=mode)
    if kind == "file" and st.st_nlink > 1:
        return unsafe_file_error(p, f"it has {st.st_nlink} names (a hard link to another file)", f"remove {p}; sidewire recreates it", "hard-link")
    return None


def check_path(p: str, kind: str) -> bool:
    """lstat-checks `p`; False when nothing is there. Raises ERR_FILE_UNSAFE."""
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return False
    except OSError as err:
        raise unsafe_file_error(p, f"it cannot be inspected ({errno.errorcode.get(err.errno or 0, err)})", f"check the permissions of {os.path.dirname(p)}", "inspect") from err
    error = check_stats(p, st, kind)
    if error is not None:
        raise error
    return True


def ensure_private_dir(d: str) -> None:
    """Creates `d` (0700) unless it exists, then checks it. Raises ERR_FILE_UNSAFE."""
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    check_path(d, "directory")


def open_safe(p: str, flags: int, mode: int = 0o600) -> int:
    """Opens `p` without following a link and checks the opened descriptor; returns the fd.
    Raises ERR_FILE_UNSAFE (the fd is closed) or the open's OSError (FileNotFoundError...)."""
    try:
        fd = os.open(p, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise unsafe_file_error(p, "it is a symbolic link", f"remove the link (rm {p}); sidewire never follows links it did not make", "symlink") from err
        if err.errno in (errno.EACCES, errno.EPERM, errno.ENXIO):
            try:
                found = os.lstat(p)
            except OSError:
                raise err
            problem = check_stats(p, found, "file")
            if problem is not None:
                raise problem from err
        raise
    error = check_stats(p, os.fstat(fd), "file")
    if error is not None:
        os.close(fd)
        raise error
    return fd


def read_bounded(fd: int, limit: int, what: str) -> bytes:
    """Reads a whole file from `fd`, refusing more than `limit` bytes (ERR_FILE_UNSAFE)."""
    chunks = []
    size = 0
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise SidewireError("ERR_FILE_UNSAFE", f"refusing to read {what}: it is larger than {limit} bytes", [f"remove {what}; sidewire recreates it"], {"path": what, "reason": "size", "limit": limit})
        chunks.append(chunk)
