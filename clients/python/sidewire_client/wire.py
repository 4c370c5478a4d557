"""The two wire modes of a connection (docs/protocol.md §4 and "Binary mode"), as incremental
codecs over a byte stream. Both bound what they buffer: a JSON line or a binary frame longer
than `max_message_bytes` (default 16 MiB, like the Node client) is refused from its length
alone — for a frame, from its 4-byte header, before anything of that size is allocated."""
import json
import struct
from typing import Any, List, Optional

from .errors import SidewireError
from .msgpack import MsgpackError, pack, unpack

#: Largest accepted incoming message (the Node client's maxMessageBytes default).
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: The binary-mode preface: "\0SW" + protocol version 1.
PREFACE = b"\x00SW\x01"


def too_large(size: int, limit: int) -> SidewireError:
    """An incoming message over the client's limit: the connection is closed, as by the Node client."""
    return SidewireError(
        "ERR_CONNECTION_LOST",
        f"the server sent a message of {size} bytes or more, larger than this client's limit of {limit} bytes; the connection was closed",
        ["raise the client's max_message_bytes", "or ask for less data per message"],
        {"reason": "too-large", "limit": limit, "size": size},
    )


def outgoing_too_large(size: int, limit: int) -> SidewireError:
    """docs/errors.md ERR_MESSAGE_TOO_LARGE: refused before sending, the connection stays usable."""
    return SidewireError(
        "ERR_MESSAGE_TOO_LARGE",
        f"message is {size} bytes; the server accepts at most {limit} (its limits.maxMessageBytes)",
        ["send less per call (split the data)", "or raise the server's limits.maxMessageBytes"],
        {"size": size, "limit": limit},
    )


def protocol_error(why: str) -> SidewireError:
    return SidewireError("ERR_CONNECTION_LOST", f"the server broke the protocol: {why}; the connection was closed", ["check that a sidewire server (not another program) listens there: `sidewire doctor`"], {"reason": "protocol"})


class JsonCodec:
    """NDJSON: one JSON-RPC message per line."""

    mode = "json"
    #: bytes of framing around a payload (the newline)
    overhead = 1

    def __init__(self, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.limit = max_message_bytes
        self._buf = bytearray()
        self._scanned = 0  # bytes of _buf known to hold no newline

    def preface(self) -> bytes:
        return b""

    def encode(self, message: Any) -> bytes:
        try:
            return (json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        except (TypeError, ValueError) as err:
            raise SidewireError("ERR_ENCODE", f"cannot encode the message as JSON: {err}", ["pass JSON values only (dict, list, str, int, float, bool, None), or use mode='binary' for bytes"], cause=err) from err

    def feed(self, data: bytes) -> List[Any]:
        """The complete messages in `data` plus what was buffered; raises on an oversized line."""
        self._buf += data
        out = []
        while True:
            nl = self._buf.find(b"\n", self._scanned)
            if nl < 0:
                self._scanned = len(self._buf)
                if len(self._buf) > self.limit:
                    raise too_large(len(self._buf), self.limit)
                return out
            self._scanned = 0
            if nl > self.limit:
                raise too_large(nl, self.limit)
            line = bytes(self._buf[:nl]).strip()
            del self._buf[:nl + 1]
            if line:
                try:
                    out.append(json.loads(line.decode("utf-8")))
                except (ValueError, UnicodeDecodeError) as err:
                    raise protocol_error(f"a line is not valid JSON ({err})") from err


class BinaryCodec:
    """Binary mode: the preface both ways, then u32 big-endian length + MessagePack payload."""

    mode = "binary"
    #: bytes of framing around a payload (the length header)
    overhead = 4

    def __init__(self, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.limit = max_message_bytes
        self._buf = bytearray()
        self._preface_ok = False
        self._need: Optional[int] = None

    def preface(self) -> bytes:
        return PREFACE

    def encode(self, message: Any) -> bytes:
        try:
            payload = pack(message)
        except MsgpackError as err:
            raise SidewireError("ERR_ENCODE", f"cannot encode the message as MessagePack: {err}", ["pass None, bool, int (64-bit), float, str, bytes, list or dict with str keys"], cause=err) from err
        return struct.pack(">I", len(payload)) + payload

    def feed(self, data: bytes) -> List[Any]:
        self._buf += data
        out: List[Any] = []
        if not self._preface_ok:
            if len(self._buf) == 0:
                return out
            if self._buf[0:1] == b"{":
                return self._json_refusal()
            if len(self._buf) < 4:
                if PREFACE.startswith(bytes(self._buf)):
                    return out
            if bytes(self._buf[:4]) != PREFACE:
                raise SidewireError("ERR_HANDSHAKE", f"the server answered the binary preface with bytes {bytes(self._buf[:4]).hex(' ')}, not 00 53 57 01", ["connect with mode='json'", "check that a sidewire server listens there: `sidewire doctor`"], {"binary": "bad-preface"})
            self._preface_ok = True
            del self._buf[:4]
        while True:
            if self._need is None:
                if len(self._buf) < 4:
                    return out
                (n,) = struct.unpack(">I", self._buf[:4])
                if n > self.limit:
                    raise too_large(n, self.limit)
                del self._buf[:4]
                self._need = n
            if len(self._buf) < self._need:
                return out
            payload = bytes(self._buf[:self._need])
            del self._buf[:self._need]
            self._need = None
            try:
                out.append(unpack(payload))
            except MsgpackError as err:
                raise protocol_error(f"a frame is not valid MessagePack ({err})") from err

    def _json_refusal(self) -> List[Any]:
        """A server at its connection limit answers one JSON line before any preface."""
        nl = self._buf.find(b"\n")
        if nl < 0:
            if len(self._buf) > 65536:
                raise protocol_error("an unterminated line instead of the binary preface")
            return []
        try:
            message = json.loads(bytes(self._buf[:nl]).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise protocol_error("a line that is not JSON instead of the binary preface")
        del self._buf[:nl + 1]
        return [message]


def make_codec(mode: str, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> Any:
    if mode == "json":
        return JsonCodec(max_message_bytes)
    if mode == "binary":
        return BinaryCodec(max_message_bytes)
    raise SidewireError("ERR_INVALID_ARGUMENT", f"mode must be 'json' or 'binary', not {mode!r}", ["pass mode='json' (the default) or mode='binary'"])
