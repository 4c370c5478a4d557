"""The platform facts endpoint resolution needs, detected the way the TypeScript client does
(docs/protocol.md §1): the default endpoint kind, which kinds work, and the socket path limit."""
import os
import re
import sys
from dataclasses import dataclass
from typing import Optional

LINUX_PATH_MAX = 107
BSD_PATH_MAX = 103


@dataclass(frozen=True)
class PlatformInfo:
    id: str
    #: 'unix', 'pipe' or 'tcp'
    default_kind: str
    unix: bool
    abstract: bool
    pipe: bool
    socket_path_max: Optional[int]


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read(4096)
    except OSError:
        return None


def wsl_version() -> Optional[int]:
    """2 for a WSL2 kernel, 1 for WSL1 ("-Microsoft"), else None (same probes as the Node client)."""
    for name in ("/proc/sys/kernel/osrelease", "/proc/version"):
        text = _read(name)
        if text is None:
            continue
        if re.search(r"microsoft-standard", text, re.I) or re.search(r"-microsoft\b", text) or re.search(r"\bWSL2\b", text):
            return 2
        if "-Microsoft" in text:
            return 1
    if os.environ.get("WSL_DISTRO_NAME") or os.environ.get("WSL_INTEROP"):
        return 2
    return None


def current_platform() -> PlatformInfo:
    """This machine's platform facts."""
    plat = sys.platform
    if plat.startswith("linux"):
        wsl = wsl_version()
        return PlatformInfo("wsl1" if wsl == 1 else "wsl2" if wsl == 2 else "linux", "tcp" if wsl == 1 else "unix", True, wsl != 1, False, LINUX_PATH_MAX)
    if plat in ("win32", "cygwin", "msys"):
        return PlatformInfo("win32", "pipe", False, False, True, None)
    if plat == "darwin" or "bsd" in plat:
        return PlatformInfo(plat, "unix", True, False, False, BSD_PATH_MAX)
    return PlatformInfo("unknown", "tcp", True, False, False, BSD_PATH_MAX)
