"""A client's durable notifications (docs/reconnect.md): spooled first (spool.py), then sent
with ``$/durable`` in batches of 100 while the client is ready, each acknowledged batch removed
from the file. One replay at a time; what is left (server down, connection lost) stays on disk
for the next connection — or for the server, which ingests the files of producers that exited."""
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional, Set

from .errors import ResponseError, SidewireError
from .spool import DurablePaths, SpoolWriter

#: Sends one `$/durable` request and returns once the server acknowledged it.
SendDurable = Callable[[Any], Any]


@dataclass(frozen=True)
class DurableReceipt:
    """What `notify(..., durable=True)` returns."""

    #: the message id (the server de-duplicates by it)
    id: str
    #: True when the server acknowledged it; False when it waits in the spool file
    delivered: bool
    #: the spool file it was written to
    file: str


class DurableSpool:
    def __init__(self, paths: DurablePaths, max_bytes: int, batch_size: int = 100) -> None:
        self.writer = SpoolWriter(paths, max_bytes)
        self.batch_size = max(1, batch_size)
        self._lock = threading.Lock()

    def replay(self, send: Optional[SendDurable], report: Callable[[BaseException], None]) -> Set[str]:
        """Sends everything spooled, in order; returns the ids the server acknowledged."""
        delivered: Set[str] = set()
        if send is None:
            return delivered
        with self._lock:
            try:
                pending = self.writer.read()
                for start in range(0, len(pending), self.batch_size):
                    batch = pending[start:start + self.batch_size]
                    send({"messages": [{k: m[k] for k in ("id", "method", "params") if k in m} for m in batch]})
                    ids = {m["id"] for m in batch}
                    self.writer.remove(ids)
                    delivered |= ids
            except (SidewireError, ResponseError) as err:
                if not (isinstance(err, SidewireError) and err.code in ("ERR_CONNECTION_LOST", "ERR_CONNECTION_CLOSED")):
                    report(err)
        return delivered

    def notify(self, method: str, params: Any, send: Optional[SendDurable], report: Callable[[BaseException], None]) -> DurableReceipt:
        """Spools one message (raises ERR_SPOOL / ERR_FILE_UNSAFE / ERR_ENCODE), then replays."""
        message = self.writer.append(method, params)
        delivered = message["id"] in self.replay(send, report)
        return DurableReceipt(message["id"], delivered, self.writer.file)

    def count(self) -> int:
        with self._lock:
            return self.writer.count()
