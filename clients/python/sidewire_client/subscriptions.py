"""Topic subscriptions: a callback, or an iterator of events. Patterns match as the server
matches them (docs/protocol.md §4): a pattern ending in ``*`` (``build.*``, ``*``) matches by the
prefix before the ``*``; anything else matches exactly."""
import collections
import threading
from typing import Any, Callable, Deque, Iterator, NamedTuple, Optional


class Event(NamedTuple):
    """One server event: its topic and its payload."""

    topic: str
    data: Any


def topic_matches(pattern: str, topic: str) -> bool:
    if pattern.endswith("*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


class Subscription:
    """What `Client.subscribe` returns. Without a callback, iterate it (blocks until the next
    event; ends after `close()` or when the client closes or fails) or call `get(timeout)`.
    An iterator that is not read keeps only its `max_queued` most recent events (`dropped`
    counts the others)."""

    def __init__(self, pattern: str, callback: Optional[Callable[[Any, str], None]], max_queued: int, on_close: Callable[["Subscription"], None]) -> None:
        self.pattern = pattern
        self.callback = callback
        self.dropped = 0
        self._queue: Deque[Event] = collections.deque()
        self._max = max(1, max_queued)
        self._cond = threading.Condition()
        self._ended = False
        self._on_close = on_close

    def _deliver(self, event: Event) -> None:
        if self.callback is not None:
            self.callback(event.data, event.topic)
            return
        with self._cond:
            if self._ended:
                return
            if len(self._queue) >= self._max:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(event)
            self._cond.notify_all()

    def _end(self) -> None:
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def get(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after `timeout` seconds or once the subscription ended."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._queue or self._ended, timeout):
                return None
            return self._queue.popleft() if self._queue else None

    def __iter__(self) -> Iterator[Event]:
        while True:
            event = self.get()
            if event is None:
                return
            yield event

    def close(self) -> None:
        """Stops this subscription (the server is told once no subscription uses the pattern)."""
        if not self._ended:
            self._end()
            self._on_close(self)

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
