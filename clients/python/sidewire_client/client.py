"""The sidewire client for Python (docs/reconnect.md is its contract, as for the Node client):
connect (endpoint resolution and discovery file as the Node client), ``$/hello``, calls with a
timeout, notifications, subscriptions (callback or iterator), reconnecting with backoff (hello
again, re-subscribe), and durable notifications in the Node client's spool format.

Threads: each connection has a reader thread (events and callbacks run on it; a callback must
not wait for a reply), and a lost connection is re-established by a reconnect thread. Every
thread is a daemon thread: a client never keeps the process alive by itself."""
import math
import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from .backoff import Backoff
from .connect_once import Handshake, handshake
from .discovery import resolve_client_target
from .durable import DurableReceipt, DurableSpool
from .endpoint import Endpoint, resolve_endpoint
from .errors import ResponseError, SidewireError
from .session import Session
from .spool import DEFAULT_SPOOL_MAX_BYTES, durable_paths
from .status import StatusMixin
from .events import EventsMixin
from .wire import DEFAULT_MAX_MESSAGE_BYTES

#: Errors that retrying cannot fix: the client fails at once (docs/reconnect.md "Backoff").
UNFIXABLE = {"ERR_ENDPOINT_FORMAT", "ERR_ENDPOINT_PLATFORM", "ERR_ENDPOINT_PATH_TOO_LONG", "ERR_ENDPOINT_REMOTE", "ERR_RUNTIME_DIR_UNSAFE", "ERR_INVALID_ARGUMENT"}


def _positive(name: str, value: float, zero_ok: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (value == 0 and not zero_ok) or math.isnan(value):
        raise SidewireError("ERR_INVALID_ARGUMENT", f"{name} must be a number of seconds {'>= 0 (0 = none)' if zero_ok else '> 0'}, not {value!r}", [f"pass e.g. {name}=5.0, or leave it out for the default"], {"option": name})
    return float(value)


def _integer(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SidewireError("ERR_INVALID_ARGUMENT", f"{name} must be an integer from {low} to {high}, not {value!r}", [f"leave {name} out for the default"], {"option": name})
    return value


class Client(EventsMixin, StatusMixin):
    """A sidewire client. Times are in seconds. Use `connect()` or `Client(...).open()`."""

    def __init__(
        self,
        app: str = "sidewire",
        name: Optional[str] = None,
        endpoint: Union[str, Endpoint, None] = None,
        *,
        env_var: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        token: Optional[str] = None,
        mode: str = "json",
        connect_timeout: float = 5.0,
        call_timeout: float = 30.0,
        queue_timeout: float = 10.0,
        reconnect: Union[Backoff, bool] = True,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES,
        client_name: str = "sidewire-python",
        client_version: Optional[str] = None,
    ) -> None:
        super().__init__()
        if mode not in ("json", "binary"):
            raise SidewireError("ERR_INVALID_ARGUMENT", f"mode must be 'json' or 'binary', not {mode!r}", ["pass mode='json' (the default) or mode='binary'"])
        self._target_options: Dict[str, Any] = {"app": app, "name": name, "endpoint": endpoint, "env_var": env_var, "env": env}
        self._resolved = resolve_endpoint(**self._target_options)  # a bad app/name/endpoint fails here, once
        self._token = token
        self.mode = mode
        self.connect_timeout = _positive("connect_timeout", connect_timeout, False)
        self.call_timeout = _positive("call_timeout", call_timeout, True)
        self.queue_timeout = _positive("queue_timeout", queue_timeout, True)
        self.backoff = reconnect if isinstance(reconnect, Backoff) else Backoff() if reconnect else Backoff(max_attempts=0)
        self.max_message_bytes = _integer("max_message_bytes", max_message_bytes, 1, 2**32 - 1)
        self.spool_max_bytes = _integer("spool_max_bytes", spool_max_bytes, 1, 2**53 - 1)
        if not isinstance(reconnect, (Backoff, bool)):
            raise SidewireError("ERR_INVALID_ARGUMENT", f"reconnect must be True, False or a Backoff, not {reconnect!r}", ["e.g. reconnect=Backoff(max_attempts=math.inf)"], {"option": "reconnect"})
        from . import __version__

        self._client_info = {"name": client_name, "version": client_version or __version__}
        self._session: Optional[Session] = None
        self.hello: Optional[Dict[str, Any]] = None
        self.previous_client_id: Optional[str] = None
        self.reconnects = 0
        self._patterns: Dict[str, List[Subscription]] = {}
        self._spool: Optional[DurableSpool] = None
        self._stop = threading.Event()
        self._refusal_callbacks: List[Callable[[ResponseError], None]] = []

    # --- connecting -------------------------------------------------------------------------

    @property
    def client_id(self) -> Optional[str]:
        return None if self.hello is None else self.hello.get("clientId")

    @property
    def endpoint(self) -> str:
        session = self._session
        return session.endpoint if session is not None else str(self._resolved.endpoint)

    def open(self) -> Dict[str, Any]:
        """Connects and says hello; returns the hello result. Raises SidewireError
        (ERR_NOT_RUNNING, ERR_CONNECT, ERR_TIMEOUT, ERR_HANDSHAKE, ERR_ENDPOINT_*...)."""
        with self._cond:
            if self._state != "idle":
                raise SidewireError("ERR_INVALID_ARGUMENT", f"open() was already called (the client is {self._state})", ["make a new Client to connect again"])
            self._set_status("connecting", attempt=0)
        try:
            self._attach(self._handshake())
        except SidewireError as err:
            with self._cond:
                self._set_status("closed", reason="lost", error=err.code)
            raise
        return self.hello or {}

    def _handshake(self) -> Handshake:
        target = resolve_client_target(token=self._token, **self._target_options)
        with self._cond:
            subscribe = list(self._patterns)
        return handshake(target, self.mode, self.connect_timeout, self.max_message_bytes, self._client_info, subscribe, self._on_event, self._on_refusal, self._on_lost)

    def _attach(self, hs: Handshake) -> None:
        with self._cond:
            if self._state in ("closed", "failed"):
                hs.session.close()
                return
            if self.hello is not None:
                self.previous_client_id = self.hello.get("clientId")
            self._session, self.hello = hs.session, hs.hello
            missing = [p for p in self._patterns if p not in hs.subscribed]
            self._set_status("ready", endpoint=hs.session.endpoint, clientId=self.client_id, previousClientId=self.previous_client_id, reconnects=self.reconnects)
        if not hs.session.alive:  # lost between the hello reply and now: its loss was not ours yet
            self._on_lost(hs.session, hs.session.error or hs.session.lost_now())
            return
        for pattern in missing:  # added while the hello was in flight
            try:
                self._send_subscribe(hs.session, pattern)
            except (ResponseError, SidewireError) as err:
                self._report(err)
        if self._spool is not None:
            self._spool.replay(self._durable_sender(), self._report)

    def _on_lost(self, session: Session, error: SidewireError) -> None:
        with self._cond:
            if session is not self._session:
                return
            self._session = None
            if self._state != "ready":
                return
            if self.backoff.max_attempts > 0:
                self._set_status("reconnecting", attempt=1, reason={"code": error.code, "message": error.message})
                threading.Thread(target=self._reconnect_loop, args=(error,), name="sidewire-reconnect", daemon=True).start()
            else:
                self._set_status("closed", reason="lost", error=error.code)
                self._end_subscriptions()

    def _reconnect_loop(self, reason: SidewireError) -> None:
        attempt = 0
        while attempt < self.backoff.max_attempts:
            attempt += 1
            delay = self.backoff.delay(attempt)
            with self._cond:
                if self._state in ("closed", "failed"):
                    return
                self._set_status("reconnecting", attempt=attempt, maxAttempts=self.backoff.max_attempts, delayMs=int(delay * 1000), reason={"code": reason.code, "message": reason.message})
            if self._stop.wait(delay):
                return
            with self._cond:
                if self._state in ("closed", "failed"):
                    return
                self._set_status("connecting", attempt=attempt)
            try:
                hs = self._handshake()
            except SidewireError as err:
                if err.code in UNFIXABLE:
                    return self._fail(err, attempt)
                reason = err
                continue
            self.reconnects += 1
            self._attach(hs)
            return
        self._fail(reason, attempt)

    def _fail(self, error: SidewireError, attempts: int) -> None:
        with self._cond:
            if self._state in ("closed", "failed"):
                return
            self._failure = error
            self._set_status("failed", attempts=attempts, reason={"code": error.code, "message": error.message})
            self._end_subscriptions()

    def close(self) -> None:
        """Closes the connection and stops reconnecting; subscriptions end. Spooled durable
        notifications stay on disk (the server delivers them once this process has exited)."""
        self._stop.set()
        with self._cond:
            session, self._session = self._session, None
            if self._state not in ("closed", "failed"):
                self._set_status("closed", reason="closed")
            self._end_subscriptions()
        if session is not None:
            session.close()

    def __enter__(self) -> "Client":
        if self._state == "idle":
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- calls and notifications ------------------------------------------------------------

    def _ready_session(self, deadline: Optional[float], what: str) -> Session:
        """The session once ready; waits while connecting/reconnecting (bounded by `deadline`)."""
        with self._cond:
            while True:
                if self._state == "ready" and self._session is not None:
                    return self._session
                if self._state in ("idle", "closed", "failed"):
                    raise self._not_ready_error(what)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise SidewireError("ERR_TIMEOUT", f"{what} waited for a connection longer than its queue timeout", ["start the server", "or raise queue_timeout / the call's timeout"], {"state": self._state})
                self._cond.wait(remaining)

    def _deadline(self, limit: float) -> Optional[float]:
        return None if limit == 0 else time.monotonic() + limit

    def call(self, method: str, params: Any = None, timeout: Optional[float] = None) -> Any:
        """Calls `method`; returns its result. Raises ResponseError (the server's error),
        SidewireError ERR_TIMEOUT (after `timeout` s, default `call_timeout`; `$/cancel` is sent),
        ERR_CONNECTION_LOST (sent, then the connection dropped: it may have run), ERR_CLIENT_FAILED."""
        limit = self.call_timeout if timeout is None else _positive("timeout", timeout, True)
        start = time.monotonic()
        queue_limit = min(x for x in (limit, self.queue_timeout, math.inf) if x > 0)
        session = self._ready_session(None if queue_limit == math.inf else start + queue_limit, f"call {method}")
        remaining = None if limit == 0 else max(0.0, limit - (time.monotonic() - start))
        return session.request(method, params, remaining)

    def notify(self, method: str, params: Any = None, durable: bool = False) -> Optional[DurableReceipt]:
        """Sends a notification. With `durable=True` it is spooled on disk first (fsync'd) and
        delivered now if the server is reachable, else later: returns a DurableReceipt."""
        if durable:
            if not isinstance(method, str) or method == "" or method.startswith("$/"):
                raise SidewireError("ERR_INVALID_ARGUMENT", f"a durable notification needs an application method name, not {method!r}", ["use a name such as 'hook.event' (reserved $/ methods cannot be durable)"])
            return self._durable().notify(method, params, self._durable_sender(), self._report)
        session = self._ready_session(self._deadline(self.queue_timeout), f"notify {method}")
        session.notify(method, params)
        return None

    def flush_spool(self) -> int:
        """Replays this client's spool now (when ready); returns how many messages are still spooled."""
        if self._spool is None:
            return 0
        self._spool.replay(self._durable_sender(), self._report)
        return self._spool.count()

    def _durable(self) -> DurableSpool:
        with self._cond:
            if self._spool is None:
                self._spool = DurableSpool(durable_paths(self._resolved), self.spool_max_bytes)
            return self._spool

    def _durable_sender(self) -> Optional[Callable[[Any], Any]]:
        with self._cond:
            session = self._session if self._state == "ready" else None
        if session is None:
            return None
        return lambda params: session.request("$/durable", params, self.call_timeout or None)


def connect(app: str = "sidewire", name: Optional[str] = None, endpoint: Union[str, Endpoint, None] = None, **options: Any) -> Client:
    """A connected client (the first connect must succeed: it raises otherwise)."""
    client = Client(app, name, endpoint, **options)
    client.open()
    return client
