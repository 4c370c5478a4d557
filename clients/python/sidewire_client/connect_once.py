"""One connection attempt: open the socket, start a session, say ``$/hello`` (with the token and
the subscriptions), and turn failures into the Node client's handshake errors."""
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List

from .discovery import PROTOCOL_VERSION, ClientTarget
from .endpoint import format_endpoint
from .errors import ResponseError, SidewireError
from .session import Session
from .transport import connect_socket


@dataclass(frozen=True)
class Handshake:
    session: Session
    hello: Dict[str, Any]
    #: the patterns sent in the hello's `subscribe`
    subscribed: List[str]


def handshake(
    target: ClientTarget,
    mode: str,
    timeout: float,
    max_message_bytes: int,
    client_info: Dict[str, str],
    subscribe: List[str],
    on_event: Callable[[str, Any], None],
    on_refusal: Callable[[ResponseError], None],
    on_lost: Callable[[Session, SidewireError], None],
) -> Handshake:
    """Raises SidewireError ERR_NOT_RUNNING / ERR_CONNECT / ERR_TIMEOUT / ERR_HANDSHAKE."""
    endpoint = format_endpoint(target.endpoint)
    sock = connect_socket(target.endpoint, timeout)
    session = Session(sock, mode, endpoint, on_event, on_refusal, on_lost, max_message_bytes)
    params: Dict[str, Any] = {"protocol": PROTOCOL_VERSION, "client": {**client_info, "pid": os.getpid(), "ppid": os.getppid()}}
    if target.token is not None:
        params["token"] = target.token
    if subscribe:
        params["subscribe"] = subscribe
    try:
        session.send_preface()
        hello = session.request("$/hello", params, timeout)
    except ResponseError as err:
        session.close()
        raise _refused(err, endpoint, target) from err
    except SidewireError as err:
        if err.code == "ERR_CONNECTION_LOST":
            session.wait_reader(timeout)  # what the server said before closing, if anything
        session.close()
        if err.code == "ERR_TIMEOUT":
            raise SidewireError("ERR_TIMEOUT", f"no reply to $/hello from {endpoint} within {timeout:g} s", ["check that a sidewire server (not another program) listens there: `sidewire doctor`", "or raise connect_timeout"], {"endpoint": endpoint}, err) from err
        if err.code == "ERR_CONNECTION_LOST" and session.last_refusal is not None:
            raise _refused(session.last_refusal, endpoint, target) from err
        if err.code == "ERR_CONNECTION_LOST":
            binary = " (a server without binary mode closes such a connection: try mode='json')" if mode == "binary" else ""
            raise SidewireError("ERR_HANDSHAKE", f"the server at {endpoint} closed the connection during the handshake: {err.message}{binary}", ["if the server said it is busy, retry later", "check that a sidewire server (not another program) listens there: `sidewire doctor`"], {"endpoint": endpoint}, err) from err
        raise
    if not isinstance(hello, dict) or hello.get("protocol") != PROTOCOL_VERSION:
        session.close()
        raise SidewireError("ERR_HANDSHAKE", f"the server at {endpoint} answered $/hello with {hello!r}, not a protocol 1 hello result", ["check that a sidewire server listens there: `sidewire doctor`"], {"endpoint": endpoint})
    limit = hello.get("capabilities", {}).get("maxMessageBytes") if isinstance(hello.get("capabilities"), dict) else None
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        session.outgoing_limit = limit
    return Handshake(session, hello, list(subscribe))


def _refused(err: ResponseError, endpoint: str, target: ClientTarget) -> SidewireError:
    discovery = target.resolved.discovery_path
    if err.code == ResponseError.UNAUTHORIZED:
        fixes = (
            [f"the token is stale: the server restarted; re-read it from {discovery} (the default endpoint does this)"]
            if target.token is not None
            else [f"pass the token from {discovery} (\"token\" field)", "or connect without an explicit endpoint so the discovery file is used"]
        )
        return SidewireError("ERR_HANDSHAKE", f"the server at {endpoint} refused the connection: {err.message}", fixes, {"endpoint": endpoint, "serverError": err.to_json()}, err)
    fixes = ["retry later: the server is busy or shutting down"] if err.code == ResponseError.BUSY else ["upgrade the client or the server so both speak protocol 1"]
    return SidewireError("ERR_HANDSHAKE", f"the server at {endpoint} rejected $/hello: {err.message}", fixes, {"endpoint": endpoint, "serverError": err.to_json()}, err)
