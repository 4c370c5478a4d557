"""sidewire_client: the official Python client of sidewire (standard library only, Python >= 3.9).

    from sidewire_client import connect
    with connect(app="myapp") as client:
        print(client.call("echo", {"hello": 1}))

See clients/python/README.md; the wire contract is docs/protocol.md."""
from .backoff import Backoff, NO_RECONNECT
from .client import Client, connect
from .discovery import ClientTarget, read_trusted_discovery, resolve_client_target
from .durable import DurableReceipt
from .endpoint import Endpoint, ResolvedEndpoint, env_var_for, format_endpoint, parse_endpoint, resolve_endpoint
from .errors import ResponseError, SidewireError, is_error
from .spool import DurablePaths, SpoolWriter, durable_paths
from .subscriptions import Event, Subscription, topic_matches

__version__ = "0.1.0"

__all__ = [
    "Backoff", "NO_RECONNECT", "Client", "connect", "ClientTarget", "read_trusted_discovery", "resolve_client_target",
    "DurableReceipt", "Endpoint", "ResolvedEndpoint", "env_var_for", "format_endpoint", "parse_endpoint", "resolve_endpoint",
    "ResponseError", "SidewireError", "is_error", "DurablePaths", "SpoolWriter", "durable_paths", "Event", "Subscription",
    "topic_matches", "__version__",
]
