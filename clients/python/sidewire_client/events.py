"""Topic subscriptions of a client (docs/protocol.md §4 "$/subscribe"): patterns held by the
client, sent with `$/subscribe` while ready and in every `$/hello` after a reconnect, events
dispatched to each matching Subscription on the reader thread, and error replies without an id
(the server refused a notification) to `on_refusal` callbacks."""
from typing import Any, Callable, Dict, List, Optional

from .errors import ResponseError, SidewireError
from .session import Session
from .status import StatusMixin
from .subscriptions import Event, Subscription, topic_matches


class EventsMixin(StatusMixin):
    """Needs, from the client: `_session`, `call_timeout`."""

    _patterns: Dict[str, List[Subscription]]
    _refusal_callbacks: List[Callable[[ResponseError], None]]
    _session: Optional[Session]
    call_timeout: float

    def subscribe(self, pattern: str, callback: Optional[Callable[[Any, str], None]] = None, max_queued: int = 1000) -> Subscription:
        """Subscribes to a topic pattern (`clock.tick`, `build.*`, `*`). With `callback(data, topic)`
        it is called on the reader thread; without, iterate the returned Subscription."""
        if not isinstance(pattern, str) or pattern == "":
            raise SidewireError("ERR_INVALID_ARGUMENT", f"a topic pattern must be a non-empty string, not {pattern!r}", ["e.g. 'clock.tick', 'build.*' or '*'"])
        sub = Subscription(pattern, callback, max_queued, self._unsubscribe)
        with self._cond:
            if self._state in ("closed", "failed"):
                raise self._not_ready_error(f"subscribe {pattern}")
            first = pattern not in self._patterns
            self._patterns.setdefault(pattern, []).append(sub)
            session = self._session if self._state == "ready" else None
        if first and session is not None:
            try:
                self._send_subscribe(session, pattern)
            except ResponseError:
                self._unsubscribe(sub, tell_server=False)
                raise
        return sub

    def _send_subscribe(self, session: Session, pattern: str) -> None:
        try:
            session.request("$/subscribe", {"topics": [pattern]}, self.call_timeout or None)
        except SidewireError as err:
            if err.code not in ("ERR_CONNECTION_LOST", "ERR_CONNECTION_CLOSED"):
                raise  # a lost connection re-subscribes in the next hello

    def _unsubscribe(self, sub: Subscription, tell_server: bool = True) -> None:
        with self._cond:
            subs = self._patterns.get(sub.pattern, [])
            if sub in subs:
                subs.remove(sub)
            if subs or sub.pattern not in self._patterns:
                return
            del self._patterns[sub.pattern]
            session = self._session if self._state == "ready" else None
        sub._end()
        if tell_server and session is not None:
            try:  # as a notification: never waits, so it is safe inside a callback
                session.notify("$/unsubscribe", {"topics": [sub.pattern]})
            except SidewireError:
                pass

    def _on_event(self, topic: str, data: Any) -> None:
        with self._cond:
            subs = [s for p, lst in self._patterns.items() if topic_matches(p, topic) for s in lst]
        for sub in subs:
            try:
                sub._deliver(Event(topic, data))
            except Exception as err:  # a failing callback must not stop the reader
                self._report(err)

    def _end_subscriptions(self) -> None:
        for subs in self._patterns.values():
            for sub in subs:
                sub._end()

    def on_refusal(self, callback: Callable[[ResponseError], None]) -> None:
        """`callback(error)` for error replies without an id (the server refused a notification)."""
        self._refusal_callbacks.append(callback)

    def _on_refusal(self, error: ResponseError) -> None:
        for cb in list(self._refusal_callbacks):
            cb(error)
