"""Durable notifications on disk, in exactly the Node client's spool format (docs/reconnect.md
"Durable notifications"), so a Node daemon delivers what a Python hook spooled:

- the spool dir is ``<socket>.spool/`` beside an explicit Unix socket that is not the platform
  default, else ``<runtime dir>/<name>.spool/`` (0700; the runtime dir too when it lives there);
- one file per producer, ``p<pid>-<process start ms>-<12 hex token>.jsonl`` (0600), the start
  time as the server computes it from /proc, so it can tell when this producer has exited;
- one line per message, ``{"id":"<token>.<seq>","method":…,"params":…,"at":<epoch ms>}``,
  appended with one write on an O_APPEND descriptor and fsync'd; a failed append is cut back,
  and a torn tail (a crash mid-write) is cut before the next append;
- delivered messages are removed by an atomic rewrite (``<file>.<8 hex>.tmp``, fsync, rename)
  or by deleting the file when nothing is left.
Every file and dir is checked first (safe_file.py): ERR_FILE_UNSAFE, or ERR_SPOOL when it cannot
be written."""
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from .endpoint import ResolvedEndpoint
from .errors import SidewireError
from .process_identity import own_start_time
from .runtime_dir import ensure_runtime_dir
from .safe_file import check_path, ensure_private_dir, open_safe, read_bounded

#: Largest spool file (as the Node client's spool.maxBytes default).
DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024
#: Longest durable id accepted by the server.
MAX_DURABLE_ID_LENGTH = 128
_LOG_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT


@dataclass(frozen=True)
class DurablePaths:
    spool_dir: str
    inbox_file: str
    #: the runtime dir, created when the spool dir lives in it; None beside an explicit socket
    runtime_dir: Optional[str]


def durable_paths(r: ResolvedEndpoint) -> DurablePaths:
    """Derived from the resolved endpoint (before the discovery file), as the server does."""
    default_socket = os.path.join(r.runtime_dir, f"{r.name}.sock")
    beside = r.endpoint.kind == "unix" and r.endpoint.path != default_socket
    base = r.endpoint.path if beside else os.path.join(r.runtime_dir, r.name)
    return DurablePaths(f"{base}.spool", f"{base}.inbox.jsonl", None if beside else r.runtime_dir)


def spool_error(what: str, file: str, err: BaseException) -> SidewireError:
    """ERR_SPOOL for a failed file operation; a SidewireError is returned as it is."""
    if isinstance(err, SidewireError):
        return err
    why = getattr(err, "strerror", None) or str(err)
    return SidewireError(
        "ERR_SPOOL",
        f"cannot {what} {file}: {why}",
        [f"make {os.path.dirname(file)} a directory you own with mode 0700 (ls -ld {os.path.dirname(file)}), or free disk space", "or point XDG_RUNTIME_DIR (or the endpoint) at a writable directory you own"],
        {"path": file},
        err,
    )


def to_spool_line(message: Dict[str, Any]) -> bytes:
    """One line as JSON.stringify writes it (compact, UTF-8). Raises ERR_ENCODE."""
    try:
        return (json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as err:
        raise SidewireError("ERR_ENCODE", f"the params of durable notification '{message.get('method')}' cannot be encoded as JSON: {err}", ["pass JSON values only (dict, list, str, int, float, bool, None)"], cause=err) from err


def parse_spool_text(text: str) -> List[Dict[str, Any]]:
    """Every valid message of a spool file, in order (torn or foreign lines are skipped)."""
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            m = json.loads(line)
        except ValueError:
            continue
        ok = isinstance(m, dict) and isinstance(m.get("id"), str) and 0 < len(m["id"]) <= MAX_DURABLE_ID_LENGTH
        if ok and isinstance(m.get("method"), str) and m["method"] and not m["method"].startswith("$/"):
            out.append(m)
    return out


def _complete_length(fd: int, size: int) -> int:
    """The length of the complete lines (up to the last '\\n')."""
    end = size
    while end > 0:
        start = max(0, end - 65536)
        chunk = os.pread(fd, end - start, start)
        at = chunk.rfind(b"\n")
        if at >= 0:
            return start + at + 1
        end = start
    return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(5, "write made no progress")
        view = view[n:]


class SpoolWriter:
    """This process's spool file. Synchronous: a hook may exit right after `append`."""

    def __init__(self, paths: DurablePaths, max_bytes: int = DEFAULT_SPOOL_MAX_BYTES, now: Callable[[], float] = time.time) -> None:
        self.paths = paths
        self.max_bytes = max_bytes
        self.token = secrets.token_hex(6)
        self.file = os.path.join(paths.spool_dir, f"p{os.getpid()}-{own_start_time()}-{self.token}.jsonl")
        self._now = now
        self._seq = 0
        # One append or rewrite at a time: a rewrite (read, filter, rename) must not lose an
        # append made by another thread meanwhile.
        self._lock = threading.RLock()

    def _ensure_dir(self) -> None:
        if self.paths.runtime_dir is not None:
            ensure_runtime_dir(self.paths.runtime_dir)
        ensure_private_dir(self.paths.spool_dir)

    def append(self, method: str, params: Any = None) -> Dict[str, Any]:
        """Appends one message (fsync'd); returns it with its id. Raises ERR_SPOOL, ERR_FILE_UNSAFE, ERR_ENCODE."""
        with self._lock:
            return self._append(method, params)

    def _append(self, method: str, params: Any) -> Dict[str, Any]:
        self._seq += 1
        message: Dict[str, Any] = {"id": f"{self.token}.{self._seq}", "method": method}
        if params is not None:
            message["params"] = params
        message["at"] = int(self._now() * 1000)
        line = to_spool_line(message)
        try:
            self._ensure_dir()
            fd = open_safe(self.file, _LOG_FLAGS)
        except (OSError, SidewireError) as err:
            raise spool_error("append to the spool file", self.file, err) from err
        try:
            size = os.fstat(fd).st_size
            complete = _complete_length(fd, size)
            if complete < size:
                os.ftruncate(fd, complete)
                size = complete
            if size + len(line) > self.max_bytes:
                raise SidewireError("ERR_SPOOL", f"cannot spool '{method}': {self.file} would exceed {self.max_bytes} bytes", ["start the server so the spool is delivered and emptied", "or raise the spool max_bytes option"], {"path": self.file, "limit": self.max_bytes})
            try:
                _write_all(fd, line)
                os.fsync(fd)
            except OSError as err:
                try:
                    os.ftruncate(fd, size)
                except OSError:
                    pass  # cut before the next append (the torn-tail check above)
                raise spool_error("append to the spool file", self.file, err) from err
        finally:
            os.close(fd)
        return message

    def read(self) -> List[Dict[str, Any]]:
        """The messages still in this producer's file, in order."""
        try:
            fd = open_safe(self.file, os.O_RDONLY)
        except FileNotFoundError:
            return []
        except (OSError, SidewireError) as err:
            raise spool_error("read the spool file", self.file, err) from err
        try:
            return parse_spool_text(read_bounded(fd, self.max_bytes + 65536, self.file).decode("utf-8", errors="replace"))
        finally:
            os.close(fd)

    def count(self) -> int:
        return len(self.read())

    def remove(self, ids: Iterable[str]) -> None:
        """Removes delivered messages: deletes the file when empty, else rewrites it atomically."""
        gone = set(ids)
        if not gone:
            return
        with self._lock:
            self._remove(gone)

    def _remove(self, gone: Set[str]) -> None:
        rest = [m for m in self.read() if m["id"] not in gone]
        try:
            if not rest:
                if check_path(self.file, "file"):
                    os.unlink(self.file)
                return
            self._rewrite(b"".join(to_spool_line(m) for m in rest))
        except (OSError, SidewireError) as err:
            raise spool_error("rewrite the spool file", self.file, err) from err

    def _rewrite(self, data: bytes) -> None:
        temp = f"{self.file}.{secrets.token_hex(4)}.tmp"
        fd = open_safe(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            check_path(self.file, "file")
            os.rename(temp, self.file)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        dfd = os.open(self.paths.spool_dir, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
