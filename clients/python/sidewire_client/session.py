"""One connection: a socket, its wire codec, a reader thread, and the table of requests waiting
for their replies. Replies may come in any order (JSON-RPC orders nothing across messages); they
are matched by id. Messages without an id (events, i.e. notifications from the server) and error
replies with id null go to the owner's callbacks, on the reader thread."""
import itertools
import socket
import threading
from typing import Any, Callable, Dict, Optional

from .errors import ResponseError, SidewireError
from .wire import DEFAULT_MAX_MESSAGE_BYTES, make_codec, outgoing_too_large

_RECV_BYTES = 65536


class _Pending:
    __slots__ = ("done", "result", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: Optional[BaseException] = None


class Session:
    """A live connection. `on_event(method, params)`, `on_refusal(ResponseError)` (error replies
    with id null) and `on_lost(error)` (once) run on the reader thread."""

    def __init__(
        self,
        sock: socket.socket,
        mode: str,
        endpoint: str,
        on_event: Callable[[str, Any], None],
        on_refusal: Callable[[ResponseError], None],
        on_lost: Callable[["Session", SidewireError], None],
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.sock = sock
        self.mode = mode
        self.endpoint = endpoint
        self._codec = make_codec(mode, max_message_bytes)
        self._on_event = on_event
        self._on_refusal = on_refusal
        self._on_lost = on_lost
        self._ids = itertools.count(1)
        self._pending: Dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._closed: Optional[SidewireError] = None
        #: the last error reply without an id (e.g. a busy server's line before it closes)
        self.last_refusal: Optional[ResponseError] = None
        #: the server's maxMessageBytes (from its hello): larger messages are refused before sending
        self.outgoing_limit: Optional[int] = None
        self._reader = threading.Thread(target=self._read_loop, name=f"sidewire-reader {endpoint}", daemon=True)
        self._reader.start()

    def send_preface(self) -> None:
        """The mode's first bytes (binary: 00 53 57 01; JSON: none). Raises ERR_CONNECTION_LOST."""
        self._write(self._codec.preface())

    def wait_reader(self, timeout: float) -> None:
        """Waits until the reader has read everything up to the server's EOF (handshake errors)."""
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout)

    @property
    def alive(self) -> bool:
        return self._closed is None

    @property
    def error(self) -> Optional[SidewireError]:
        """Why the connection ended (None while it is alive)."""
        return self._closed

    def lost_now(self) -> SidewireError:
        return self._lost_error("the connection ended")

    def _encode(self, message: Any) -> bytes:
        data: bytes = self._codec.encode(message)
        size = len(data) - self._codec.overhead
        if self.outgoing_limit is not None and size > self.outgoing_limit:
            raise outgoing_too_large(size, self.outgoing_limit)
        return data

    def _write(self, data: bytes) -> None:
        if not data:
            return
        with self._send_lock:
            try:
                self.sock.sendall(data)
            except OSError as err:
                # The reader still reads what the server sent before it closed (e.g. why it
                # refused us), then sees the EOF and fails the waiting requests.
                try:
                    self.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                raise self._lost_error(f"writing failed ({err})", err) from err

    def _lost_error(self, why: str, cause: Optional[BaseException] = None) -> SidewireError:
        return SidewireError("ERR_CONNECTION_LOST", f"the connection to {self.endpoint} was lost: {why}", ["the server stopped or restarted; the client reconnects unless reconnecting is off"], {"endpoint": self.endpoint}, cause)

    def send_request(self, method: str, params: Any) -> "tuple[int, _Pending]":
        """Writes a request; returns its id and the slot its reply lands in."""
        request_id = next(self._ids)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        data = self._encode(message)  # ERR_ENCODE, ERR_MESSAGE_TOO_LARGE before anything is registered
        pending = _Pending()
        with self._lock:
            if self._closed is not None:
                raise self._closed
            self._pending[request_id] = pending
        try:
            self._write(data)
        except SidewireError:
            with self._lock:
                self._pending.pop(request_id, None)
            raise
        return request_id, pending

    def forget(self, request_id: int) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def notify(self, method: str, params: Any = None) -> None:
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        data = self._encode(message)
        if self._closed is not None:
            raise self._closed
        self._write(data)

    def request(self, method: str, params: Any, timeout: Optional[float]) -> Any:
        """Sends a request and waits for its reply (None = no time limit)."""
        if threading.current_thread() is self._reader:
            raise SidewireError("ERR_INVALID_ARGUMENT", f"cannot wait for the reply to {method} inside an event callback: the callback runs on the thread that reads replies", ["make the call from another thread, or iterate the subscription instead of passing a callback"], {"method": method})
        request_id, pending = self.send_request(method, params)
        if not pending.done.wait(timeout):
            self.forget(request_id)
            try:
                self.notify("$/cancel", {"id": request_id})
            except SidewireError:
                pass
            raise SidewireError("ERR_TIMEOUT", f"no reply to {method} from {self.endpoint} within {timeout:g} s", ["raise the call's timeout", "or check that the server is not stuck (sidewire status)"], {"method": method, "timeout": timeout})
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _read_loop(self) -> None:
        try:
            while True:
                data = self.sock.recv(_RECV_BYTES)
                if not data:
                    self._shutdown(self._lost_error("the server closed the connection"))
                    return
                for message in self._codec.feed(data):
                    self._dispatch(message)
        except SidewireError as err:
            self._shutdown(err)
        except OSError as err:
            self._shutdown(self._lost_error(str(err), err))

    def _dispatch(self, message: Any) -> None:
        if isinstance(message, list):  # a batch reply: its elements
            for item in message:
                self._dispatch(item)
            return
        if not isinstance(message, dict):
            return
        if "method" in message and "id" not in message:
            self._on_event(message["method"], message.get("params"))
            return
        request_id = message.get("id")
        if request_id is None:
            if "error" in message:
                self.last_refusal = ResponseError.from_wire(message["error"])
                self._on_refusal(self.last_refusal)
            return
        with self._lock:
            usable = isinstance(request_id, int) and not isinstance(request_id, bool)
            pending = self._pending.pop(request_id, None) if usable else None
        if pending is None:
            return  # a reply to a call that timed out (or a request the server sent: not used)
        if "error" in message:
            pending.error = ResponseError.from_wire(message["error"])
        else:
            pending.result = message.get("result")
        pending.done.set()

    def _shutdown(self, error: SidewireError) -> None:
        with self._lock:
            if self._closed is not None:
                return
            self._closed = error
            waiting = list(self._pending.values())
            self._pending.clear()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for pending in waiting:
            pending.error = error
            pending.done.set()
        self._on_lost(self, error)

    def close(self, join_timeout: float = 10.0) -> None:
        """Closes the connection (waiting requests fail with ERR_CONNECTION_CLOSED) and waits for
        the reader thread, so no callback runs after close() returns (from another thread)."""
        self._shutdown(SidewireError("ERR_CONNECTION_CLOSED", f"the client closed the connection to {self.endpoint}", ["make calls before close()"], {"endpoint": self.endpoint}))
        if threading.current_thread() is not self._reader:
            self._reader.join(join_timeout)
