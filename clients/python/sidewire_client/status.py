"""A client's connection state (docs/reconnect.md "Connection states"): idle, connecting, ready,
reconnecting, closed, failed; every change goes to the `on_status` callbacks as a dict
``{"state": …, "at": epoch ms, …}`` (the same fields as the Node client's statuses)."""
import logging
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from .errors import SidewireError

log = logging.getLogger("sidewire_client")


class StatusMixin:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._state = "idle"
        self._status: Dict[str, Any] = {"state": "idle", "at": int(time.time() * 1000)}
        self._status_callbacks: List[Callable[[Dict[str, Any]], None]] = []
        self._failure: Optional[SidewireError] = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def status(self) -> Dict[str, Any]:
        return dict(self._status)

    def on_status(self, callback: Callable[[Dict[str, Any]], None]) -> Callable[[], None]:
        """Calls `callback(status)` on every change; returns a function that stops it."""
        self._status_callbacks.append(callback)
        return lambda: self._status_callbacks.remove(callback) if callback in self._status_callbacks else None

    def _set_status(self, state: str, **fields: Any) -> None:
        """Call with `_cond` held."""
        self._state = state
        self._status = {"state": state, "at": int(time.time() * 1000), **fields}
        self._cond.notify_all()
        for cb in list(self._status_callbacks):
            try:
                cb(dict(self._status))
            except Exception as err:
                self._report(err)

    def _not_ready_error(self, what: str) -> SidewireError:
        if self._state == "failed":
            cause = self._failure
            why = f" ({cause.code}: {cause.message})" if cause is not None else ""
            return SidewireError("ERR_CLIENT_FAILED", f"{what}: the client gave up reconnecting{why}", ["start the server, then make a new client", "or allow more attempts (reconnect=Backoff(max_attempts=math.inf))"], {"state": "failed"}, cause)
        if self._state == "idle":
            return SidewireError("ERR_CONNECTION_CLOSED", f"{what}: the client is not open", ["call open() first (or use connect())"], {"state": "idle"})
        return SidewireError("ERR_CONNECTION_CLOSED", f"{what}: the client is closed", ["make calls before close()", "or make a new client"], {"state": self._state})

    def _report(self, err: BaseException) -> None:
        """An error without a caller (a failing callback, a spool replay problem)."""
        log.warning("sidewire client: %s", err)
