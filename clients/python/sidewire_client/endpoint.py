"""Endpoint strings (docs/protocol.md §1) and their resolution: explicit > ``<APP>_ENDPOINT`` >
platform default, exactly as the TypeScript client resolves them, so a Python hook and a Node
daemon given the same app and name meet at the same socket, discovery file and spool dir."""
import ipaddress
import os
import re
from dataclasses import dataclass
from typing import Mapping, Optional, Union

from .errors import SidewireError
from .platform_info import PlatformInfo, current_platform
from .runtime_dir import runtime_dir_for, safe_user_name, current_user_name

ABSTRACT_NAME_MAX = 107
PIPE_NAME_MAX = 256
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PIPE_PREFIX = re.compile(r"^(?:\\\\\.\\pipe\\|//\./pipe/)", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_HOST_LABEL = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?$", re.I)


@dataclass(frozen=True)
class Endpoint:
    """kind is 'unix' (path), 'abstract' (name), 'pipe' (name) or 'tcp' (host, port)."""

    kind: str
    path: str = ""
    name: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        return format_endpoint(self)


@dataclass(frozen=True)
class ResolvedEndpoint:
    endpoint: Endpoint
    #: 'explicit', 'env' or 'default'
    source: str
    env_var: str
    app: str
    name: str
    runtime_dir: str
    discovery_path: str


def _format_error(value: str, why: str, origin: Optional[str], fix: str = "") -> SidewireError:
    subject = f"endpoint '{value}'" if origin is None else f"{origin}={value}"
    fixes = [fix] if fix else ["use unix:///abs/path.sock, unix:@name, pipe://name, tcp://127.0.0.1:PORT or auto"]
    if origin is not None:
        fixes.append(f"or unset {origin} to use the platform default")
    details = {"value": value} if origin is None else {"value": value, "origin": origin}
    return SidewireError("ERR_ENDPOINT_FORMAT", f"{subject} is not valid: {why}", fixes, details)


def _host_port(value: str, text: str, origin: Optional[str]) -> Endpoint:
    if text.startswith("[") or text.count(":") > 1:
        raise _format_error(value, "IPv6 addresses are not supported yet", origin, "use IPv4 loopback instead: tcp://127.0.0.1:PORT")
    if ":" not in text:
        raise _format_error(value, "the port is missing", origin, f"use tcp://{text or '127.0.0.1'}:0 (0 picks a free port)")
    host, port_text = text.split(":", 1)
    bad_host = host == "" or (re.fullmatch(r"[\d.]+", host) is not None and not _is_ipv4(host)) or len(host) > 253 or _HOSTNAME.match(host) is None
    if bad_host:
        raise _format_error(value, f"'{host}' is not a valid host", origin, "use tcp://127.0.0.1:5555")
    if re.fullmatch(r"\d{1,5}", port_text) is None or int(port_text) > 65535:
        raise _format_error(value, f"the port must be an integer from 0 to 65535, not '{port_text}'", origin, f"use tcp://{host}:5555")
    return Endpoint("tcp", host=host, port=int(port_text))


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        return False


def _unixish(value: str, rest: str, origin: Optional[str]) -> Endpoint:
    body = rest[2:] if rest.startswith("//") else rest
    if body.startswith("@"):
        name = body[1:]
        size = len(name.encode("utf-8"))
        if size == 0 or size > ABSTRACT_NAME_MAX or "\0" in name or name != name.strip():
            raise _format_error(value, f"the abstract socket name must be 1-{ABSTRACT_NAME_MAX} bytes without NUL or edge whitespace", origin, "use unix:@myapp")
        return Endpoint("abstract", name=name)
    if body == "":
        raise _format_error(value, "the socket path is missing", origin, "use unix:///abs/path.sock")
    return _unix_path(value, body, origin)


def _unix_path(value: str, p: str, origin: Optional[str]) -> Endpoint:
    if "\0" in p:
        raise _format_error(value, "the socket path contains a NUL byte", origin, "remove the NUL byte from the path")
    if p != p.strip():
        raise _format_error(value, "the socket path ends with whitespace", origin, "remove the whitespace at the end of the path")
    if not p.startswith("/"):
        raise _format_error(value, f"the socket path must be absolute, and '{p}' is relative", origin, f"use an absolute path such as unix://{os.path.abspath(p)}")
    return Endpoint("unix", path=p)


def _pipe(value: str, name: str, origin: Optional[str]) -> Endpoint:
    if not name or len(name) > PIPE_NAME_MAX or re.search(r"[\\/\0]", name) or name != name.strip():
        raise _format_error(value, f"a pipe name is 1-{PIPE_NAME_MAX} characters without \\, / or NUL", origin, "use pipe://myapp")
    return Endpoint("pipe", name=name)


def parse_endpoint(value: str, origin: Optional[str] = None) -> Union[Endpoint, str]:
    """Parses an endpoint string; returns the string 'auto' for '', 'auto' (any case).

    Raises SidewireError ERR_ENDPOINT_FORMAT naming `origin` (an env var) when given."""
    text = str(value).strip()
    if text == "" or text.lower() == "auto":
        return "auto"
    if _PIPE_PREFIX.match(text):
        return _pipe(text, text[9:], origin)
    if text.startswith("/"):
        return _unix_path(text, text, origin)
    m = _SCHEME.match(text)
    scheme = m.group(1).lower() if m else None
    rest = text[len(scheme) + 1:] if scheme else ""
    if scheme in ("unix", "ipc"):
        return _unixish(text, rest, origin)
    if scheme in ("pipe", "tcp"):
        if not rest.startswith("//"):
            raise _format_error(text, f"expected {scheme}://...", origin, f"use the form {'tcp://127.0.0.1:5555' if scheme == 'tcp' else 'pipe://myapp'}")
        body = rest[2:]
        return _pipe(text, body, origin) if scheme == "pipe" else _host_port(text, body[:-1] if body.endswith("/") else body, origin)
    if re.match(r"^[a-z]:[\\/]", text, re.I):
        raise _format_error(text, "a Windows file path is not an endpoint; Windows uses named pipes", origin, "use pipe://NAME or tcp://127.0.0.1:PORT")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        raise _format_error(text, f"unknown scheme '{scheme}:'", origin)
    if ":" in text:
        return _host_port(text, text, origin)
    raise _format_error(text, "it is not a recognised endpoint", origin)


def format_endpoint(e: Endpoint) -> str:
    """The canonical string: unix:///abs, unix:@name, pipe://name, tcp://host:port."""
    if e.kind == "unix":
        return f"unix://{e.path}"
    if e.kind == "abstract":
        return f"unix:@{e.name}"
    if e.kind == "pipe":
        return f"pipe://{e.name}"
    return f"tcp://{e.host}:{e.port}"


def env_var_for(app: str) -> str:
    """`my-app` → `MY_APP_ENDPOINT`."""
    return re.sub(r"[^A-Z0-9]", "_", app.upper()) + "_ENDPOINT"


def check_name(value: object, what: str) -> str:
    if isinstance(value, str) and _NAME_RE.match(value):
        return value
    raise SidewireError(
        "ERR_INVALID_ARGUMENT",
        f"invalid {what} {value!r}: it must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
        [f"use {'an app' if what == 'app' else 'a service'} name such as \"myapp\""],
        {"argument": what, "value": value},
    )


def _validate(e: Endpoint, source: str, env_var: str, plat: PlatformInfo) -> None:
    subject = {"env": f"{env_var}={format_endpoint(e)}", "explicit": f"endpoint {format_endpoint(e)}"}.get(source, f"the default endpoint {format_endpoint(e)}")
    ok = {"unix": plat.unix, "abstract": plat.abstract, "pipe": plat.pipe, "tcp": True}[e.kind]
    if not ok:
        raise SidewireError("ERR_ENDPOINT_PLATFORM", f"{subject} cannot be used on {plat.id}", [f"set {env_var} to an endpoint of this platform, e.g. tcp://127.0.0.1:5555"], {"kind": e.kind, "source": source})
    if e.kind == "unix" and plat.socket_path_max is not None and len(e.path.encode("utf-8")) > plat.socket_path_max:
        raise SidewireError(
            "ERR_ENDPOINT_PATH_TOO_LONG",
            f"{subject} is too long: the socket path is {len(e.path.encode('utf-8'))} bytes, but {plat.id} allows at most {plat.socket_path_max}",
            ["use a shorter path such as unix:///tmp/NAME.sock", "or set XDG_RUNTIME_DIR (or TMPDIR) to a shorter directory that you own"],
            {"source": source},
        )
    if e.kind == "tcp" and not (e.host.lower().rstrip(".") == "localhost" or (_is_ipv4(e.host) and e.host.startswith("127."))):
        raise SidewireError("ERR_ENDPOINT_REMOTE", f"{subject} is not a loopback address; remote access is off", [f"use tcp://127.0.0.1:{e.port}"], {"host": e.host, "source": source})


def resolve_endpoint(
    app: str = "sidewire",
    name: Optional[str] = None,
    endpoint: Union[str, Endpoint, None] = None,
    env_var: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    platform: Optional[PlatformInfo] = None,
) -> ResolvedEndpoint:
    """Explicit > env var > platform default (docs/protocol.md §1). Raises SidewireError."""
    app = check_name(app, "app")
    name = app if name is None else check_name(name, "name")
    if env_var is not None and not _ENV_RE.match(env_var):
        raise SidewireError("ERR_INVALID_ARGUMENT", f"invalid env_var {env_var!r}: it is not a valid environment variable name", [f"use a name such as {env_var_for(app)}"])
    env_var = env_var or env_var_for(app)
    env = os.environ if env is None else env
    plat = platform or current_platform()
    runtime_dir = runtime_dir_for(app, env)
    picked: Optional[Endpoint] = None
    source = "default"
    if isinstance(endpoint, Endpoint):
        picked, source = endpoint, "explicit"
    elif endpoint is not None:
        parsed = parse_endpoint(endpoint)
        if isinstance(parsed, Endpoint):
            picked, source = parsed, "explicit"
    if picked is None and env.get(env_var) is not None:
        parsed = parse_endpoint(env[env_var], origin=env_var)
        if isinstance(parsed, Endpoint):
            picked, source = parsed, "env"
    if picked is None:
        picked = default_endpoint(app, name, plat, runtime_dir)
    _validate(picked, source, env_var, plat)
    return ResolvedEndpoint(picked, source, env_var, app, name, runtime_dir, os.path.join(runtime_dir, f"{name}.json"))


def default_endpoint(app: str, name: str, plat: PlatformInfo, runtime_dir: str) -> Endpoint:
    """unix://<runtime dir>/<name>.sock, pipe://<app>-<user>-<name>, or tcp://127.0.0.1:0."""
    if plat.default_kind == "unix":
        return Endpoint("unix", path=os.path.join(runtime_dir, f"{name}.sock"))
    if plat.default_kind == "pipe":
        return Endpoint("pipe", name=f"{app}-{safe_user_name(current_user_name())}-{name}")
    return Endpoint("tcp", host="127.0.0.1", port=0)
