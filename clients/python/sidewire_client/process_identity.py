"""Is the process that wrote a discovery file or a spool file still alive, and the same process
(not a new one given the same pid)? The same rules as the Node side (docs/reconnect.md "Limits and
caveats"): start times come from /proc on Linux, compared with a 1.5 s tolerance. A producer's
spool file is named with ``own_start_time()``, which the server compares with the start time it
reads from /proc, so both must be computed the same way: boot time + starttime ticks."""
import os
import time
from typing import List, Optional

#: How far two start-time readings of one process may differ (clock-tick and btime rounding).
START_TOLERANCE_MS = 1500
_LOADED_AT_MS = int(time.time() * 1000)
_boot_ms: Optional[int] = None
_boot_read = False
_own_start: Optional[int] = None


def _boot_time_ms() -> Optional[int]:
    global _boot_ms, _boot_read
    if not _boot_read:
        _boot_read = True
        try:
            with open("/proc/stat", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("btime "):
                        _boot_ms = int(line.split()[1]) * 1000
                        break
        except (OSError, ValueError):
            _boot_ms = None
    return _boot_ms


def _stat_fields(pid: int) -> Optional[List[str]]:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            text = f.read(4096)
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split(" ")


def proc_start_time(pid: int) -> Optional[int]:
    """Start time of `pid` in epoch ms from /proc/<pid>/stat (Linux), else None."""
    boot = _boot_time_ms()
    fields = _stat_fields(pid)
    if boot is None or fields is None or len(fields) < 20:
        return None
    try:
        ticks = int(fields[19])
    except ValueError:
        return None
    # USER_HZ is 100 on every Linux architecture; the Node side assumes the same.
    return boot + ticks * 10


def is_zombie(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and len(fields) > 0 and fields[0] in ("Z", "X")


def own_start_time() -> int:
    """This process's start time in epoch ms (from /proc on Linux, else when this module loaded)."""
    global _own_start
    if _own_start is None:
        started = proc_start_time(os.getpid())
        _own_start = started if started is not None else _LOADED_AT_MS
    return _own_start


def is_process_alive(pid: int, started_at: Optional[int] = None) -> bool:
    """Exists (EPERM counts), is not a zombie, and — with `started_at` — started then."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or pid > 2**31:
        return False
    if pid == os.getpid():
        return started_at is None or abs(started_at - own_start_time()) <= START_TOLERANCE_MS
    try:
        os.kill(pid, 0)
    except PermissionError:
        pass
    except OSError:
        return False
    if is_zombie(pid):
        return False
    if started_at is None:
        return True
    actual = proc_start_time(pid)
    return actual is None or abs(actual - started_at) <= START_TOLERANCE_MS


def is_writer_alive(pid: int, written_at: Optional[float] = None) -> bool:
    """`is_process_alive(pid)`, and the process started no later than the record was written."""
    if not is_process_alive(pid):
        return False
    if written_at is None:
        return True
    started = own_start_time() if pid == os.getpid() else proc_start_time(pid)
    return started is None or started <= written_at + START_TOLERANCE_MS
