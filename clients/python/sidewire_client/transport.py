"""Opening the byte stream to an endpoint, with the Node client's error codes: nothing listening
(refused, no socket file) is ERR_NOT_RUNNING, EACCES/EPERM ERR_ENDPOINT_PERMISSION, no connection
within the timeout ERR_TIMEOUT, anything else ERR_CONNECT. Named pipes are not supported by this
client yet (ERR_ENDPOINT_PLATFORM: use a tcp:// endpoint on Windows)."""
import errno
import socket

from .endpoint import Endpoint, format_endpoint
from .errors import SidewireError


def _address(e: Endpoint) -> object:
    if e.kind == "unix":
        return e.path
    if e.kind == "abstract":
        return "\0" + e.name
    return (e.host, e.port)


def connect_socket(e: Endpoint, timeout: float) -> socket.socket:
    """A connected, blocking socket (no timeout set once connected)."""
    where = format_endpoint(e)
    if e.kind == "pipe":
        raise SidewireError("ERR_ENDPOINT_PLATFORM", f"endpoint {where}: the Python client does not speak Windows named pipes yet", ["run the server on tcp://127.0.0.1:PORT and pass that endpoint"], {"kind": "pipe"})
    if e.kind == "tcp" and e.port == 0:
        raise SidewireError("ERR_NOT_RUNNING", f"no server at {where}: port 0 means 'a free port', and no discovery file names the real one", ["start the server (sidewire serve), which publishes its port in the discovery file", "or pass the real port"], {"endpoint": where})
    family = socket.AF_INET if e.kind == "tcp" else socket.AF_UNIX
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(_address(e))  # type: ignore[arg-type]
    except socket.timeout as err:
        sock.close()
        raise SidewireError("ERR_TIMEOUT", f"connecting to {where} took longer than {timeout:g} s", ["check that the server is not stuck (sidewire status)", "or raise the connect timeout"], {"endpoint": where}, err) from err
    except OSError as err:
        sock.close()
        name = errno.errorcode.get(err.errno or 0, str(err))
        if err.errno in (errno.ENOENT, errno.ECONNREFUSED):
            raise SidewireError("ERR_NOT_RUNNING", f"no server at {where} ({name})", ["start it: sidewire serve (or your daemon)", "or check the endpoint: sidewire doctor"], {"endpoint": where, "errno": name}, err) from err
        if err.errno in (errno.EACCES, errno.EPERM):
            raise SidewireError("ERR_ENDPOINT_PERMISSION", f"permission denied connecting to {where}", ["run as the user that owns the server, or give the socket a mode that lets you in"], {"endpoint": where, "errno": name}, err) from err
        raise SidewireError("ERR_CONNECT", f"cannot connect to {where}: {name}", ["check the endpoint: sidewire doctor"], {"endpoint": where, "errno": name}, err) from err
    sock.settimeout(None)
    if family == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock
