"""The params argument of ``call`` and ``notify``, as the Node CLI reads it: a JSON value given
inline, ``-`` for stdin, or ``@FILE`` for a regular file. At most MAX_PARAMS_INPUT_BYTES are read;
more is a usage error (exit 2), never an unbounded buffer."""
import json
import os
import stat
from typing import Any, BinaryIO, Optional, Tuple

#: Most bytes read for params from stdin or a file: 64 MiB.
MAX_PARAMS_INPUT_BYTES = 64 * 1024 * 1024
_INLINE = "the params argument"


class UsageError(Exception):
    """Bad command-line input: exit 2."""


def _read_bounded(stream: BinaryIO, what: str) -> str:
    chunks = []
    size = 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_PARAMS_INPUT_BYTES:
            raise UsageError(f"{what} is larger than {MAX_PARAMS_INPUT_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def read_params_text(arg: Optional[str], stdin: Optional[BinaryIO]) -> Optional[Tuple[str, str]]:
    """(text, where it came from), or None when there is no params argument."""
    if arg is None:
        return None
    if arg == "-":
        if stdin is None:
            raise UsageError("'-' reads params from stdin, which this command has not got")
        return _read_bounded(stdin, "stdin"), "stdin"
    if arg.startswith("@"):
        file = arg[1:]
        if file == "":
            raise UsageError("'@' needs a file name, e.g. @params.json")
        try:
            fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as err:
            raise UsageError(f"cannot read params file {file}: {err.strerror}") from err
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise UsageError(f"{file} is not a regular file")
            return _read_bounded(f, f"params file {file}"), file  # type: ignore[arg-type]
    return arg, _INLINE


def parse_params(given: Optional[Tuple[str, str]]) -> Any:
    """Parses params JSON; a usage error that says where the text came from."""
    if given is None:
        return None
    text, source = given
    try:
        return json.loads(text)
    except ValueError as err:
        if source == _INLINE:
            raise UsageError(f"{source} is not valid JSON ({err}); quote it, e.g. '{{\"a\":1}}' or '[1,2,3]', or pass - (stdin) or @FILE") from err
        raise UsageError(f"the params in {source} is not valid JSON ({err})") from err
