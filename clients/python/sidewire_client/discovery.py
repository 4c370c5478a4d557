"""The discovery file ``<runtime dir>/<name>.json`` (docs/protocol.md §2) and where a client
connects: the endpoint is resolved like the server's (explicit > ``<APP>_ENDPOINT`` > platform
default); the discovery file then supplies the real endpoint for the default (and for an explicit
``tcp://…:0``), and the token for whichever endpoint it describes — as the TypeScript client does.

The file is believed only when it is a regular file of this user, not group/other writable, in a
directory nobody else can enter (else ERR_FILE_UNSAFE: another user could have planted it to get
the client, and its token, to talk to their server), and its writer is alive."""
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Union

from .endpoint import Endpoint, ResolvedEndpoint, format_endpoint, parse_endpoint, resolve_endpoint
from .errors import SidewireError
from .process_identity import is_writer_alive
from .safe_file import check_path, open_safe, read_bounded

#: The protocol version of discovery files and `$/hello`.
PROTOCOL_VERSION = 1
#: Largest discovery file read (it is a few hundred bytes).
MAX_DISCOVERY_BYTES = 64 * 1024


@dataclass(frozen=True)
class ClientTarget:
    endpoint: Endpoint
    token: Optional[str]
    #: 'explicit', 'env', 'default' or 'discovery'
    source: str
    resolved: ResolvedEndpoint


def _epoch_ms(iso: str) -> Optional[float]:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        return None


def read_trusted_discovery(file: str) -> Optional[Dict[str, Any]]:
    """The record, or None when missing, invalid, or its writer is dead (stale).
    Raises ERR_FILE_UNSAFE for a file (or dir) that is not safe to trust."""
    try:
        fd = open_safe(file, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        data = read_bounded(fd, MAX_DISCOVERY_BYTES, file)
    finally:
        os.close(fd)
    check_path(os.path.dirname(file), "directory")
    try:
        record = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    pid = record.get("pid")
    valid = (
        isinstance(record.get("endpoint"), str)
        and isinstance(pid, int)
        and not isinstance(pid, bool)
        and record.get("protocol") == PROTOCOL_VERSION
        and isinstance(record.get("startedAt"), str)
        and isinstance(record.get("token", ""), str)
    )
    if not valid or not is_writer_alive(pid, _epoch_ms(record["startedAt"])):
        return None
    return record


def resolve_client_target(
    app: str = "sidewire",
    name: Optional[str] = None,
    endpoint: Union[str, Endpoint, None] = None,
    env_var: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    token: Optional[str] = None,
) -> ClientTarget:
    """Endpoint and token for a client. Raises SidewireError (ERR_ENDPOINT_*, ERR_FILE_UNSAFE)."""
    resolved = resolve_endpoint(app=app, name=name, endpoint=endpoint, env_var=env_var, env=env)
    record = read_trusted_discovery(resolved.discovery_path)
    discovered: Optional[Endpoint] = None
    if record is not None:
        try:
            parsed = parse_endpoint(record["endpoint"])
            discovered = parsed if isinstance(parsed, Endpoint) else None
        except SidewireError:
            discovered = None
    target = resolved.endpoint
    source = resolved.source
    defer = source == "default" or (target.kind == "tcp" and target.port == 0)
    if defer and discovered is not None:
        target, source = discovered, "discovery"
    matches = discovered is not None and format_endpoint(discovered) == format_endpoint(target)
    use_token = token if token is not None else (record.get("token") if matches and record is not None else None)
    return ClientTarget(target, use_token, source, resolved)
