"""The MessagePack subset of sidewire's binary mode (docs/protocol.md "Binary mode"), pure Python.

Encodes None, bool, int (up to 64-bit), float (float 64), str, bytes/bytearray/memoryview (bin),
list/tuple (array) and dict with str keys (map). Decodes the same plus float 32 and the timestamp
extension (type -1, as an aware ``datetime``). Decoding is bounded like the server's: every
declared length is checked against the bytes left before anything is allocated (an array of n
elements needs at least n bytes, a map of n entries 2n, plus one byte per value the enclosing
containers still owe), nesting is limited to 100 levels, map keys must be strings, and
extension types other than the timestamp are refused. Errors are ``MsgpackError`` (a ValueError)."""
import struct
from datetime import datetime, timedelta, timezone
from typing import Any, List, Tuple

MAX_DEPTH = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class MsgpackError(ValueError):
    """Invalid or unsupported MessagePack data."""


def pack(value: Any) -> bytes:
    out: List[bytes] = []
    _pack(value, out, 0)
    return b"".join(out)


def _pack_len(n: int, out: List[bytes], fix: int, fix_max: int, c8: int, c16: int, c32: int) -> None:
    if n <= fix_max and fix >= 0:
        out.append(bytes([fix | n]))
    elif n < 0x100 and c8 >= 0:
        out.append(bytes([c8, n]))
    elif n < 0x10000:
        out.append(struct.pack(">BH", c16, n))
    elif n < 2**32:
        out.append(struct.pack(">BI", c32, n))
    else:
        raise MsgpackError("a value longer than 2^32-1 cannot be encoded")


def _pack_int(v: int, out: List[bytes]) -> None:
    if 0 <= v < 0x80:
        out.append(bytes([v]))
    elif -32 <= v < 0:
        out.append(struct.pack(">b", v))
    elif 0 <= v < 0x100:
        out.append(struct.pack(">BB", 0xCC, v))
    elif 0 <= v < 0x10000:
        out.append(struct.pack(">BH", 0xCD, v))
    elif 0 <= v < 2**32:
        out.append(struct.pack(">BI", 0xCE, v))
    elif 0 <= v < 2**64:
        out.append(struct.pack(">BQ", 0xCF, v))
    elif v >= 2**64:
        raise MsgpackError(f"integer {v} does not fit in 64 bits")
    elif -0x80 <= v:
        out.append(struct.pack(">Bb", 0xD0, v))
    elif -0x8000 <= v:
        out.append(struct.pack(">Bh", 0xD1, v))
    elif -(2**31) <= v:
        out.append(struct.pack(">Bi", 0xD2, v))
    elif -(2**63) <= v:
        out.append(struct.pack(">Bq", 0xD3, v))
    else:
        raise MsgpackError(f"integer {v} does not fit in 64 bits")


def _pack(v: Any, out: List[bytes], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise MsgpackError(f"values nested deeper than {MAX_DEPTH} levels cannot be sent")
    if v is None:
        out.append(b"\xc0")
    elif v is True or v is False:
        out.append(b"\xc3" if v else b"\xc2")
    elif isinstance(v, int):
        _pack_int(v, out)
    elif isinstance(v, float):
        out.append(struct.pack(">Bd", 0xCB, v))
    elif isinstance(v, str):
        data = v.encode("utf-8")
        _pack_len(len(data), out, 0xA0, 31, 0xD9, 0xDA, 0xDB)
        out.append(data)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        data = bytes(v)
        _pack_len(len(data), out, -1, -1, 0xC4, 0xC5, 0xC6)
        out.append(data)
    elif isinstance(v, (list, tuple)):
        _pack_len(len(v), out, 0x90, 15, -1, 0xDC, 0xDD)
        for item in v:
            _pack(item, out, depth + 1)
    elif isinstance(v, dict):
        _pack_len(len(v), out, 0x80, 15, -1, 0xDE, 0xDF)
        for key, item in v.items():
            if not isinstance(key, str):
                raise MsgpackError(f"map keys must be strings, not {type(key).__name__}")
            _pack(key, out, depth + 1)
            _pack(item, out, depth + 1)
    else:
        raise MsgpackError(f"cannot encode a value of type {type(v).__name__}")


def unpack(data: bytes) -> Any:
    """Exactly one value; trailing bytes, a truncated value or a bad length raise MsgpackError."""
    if len(data) == 0:
        raise MsgpackError("an empty payload is not a MessagePack value")
    value, end = _Decoder(memoryview(data)).value(0, 0, 0)
    if end != len(data):
        raise MsgpackError(f"{len(data) - end} bytes after the MessagePack value")
    return value


_FIXED = {0xC0: None, 0xC2: False, 0xC3: True}
_NUMBERS = {0xCA: ">f", 0xCB: ">d", 0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
_STR = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I"}
_BIN = {0xC4: ">B", 0xC5: ">H", 0xC6: ">I"}
_ARRAY = {0xDC: ">H", 0xDD: ">I"}
_MAP = {0xDE: ">H", 0xDF: ">I"}
_EXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_EXT_LEN = {0xC7: ">B", 0xC8: ">H", 0xC9: ">I"}


class _Decoder:
    def __init__(self, b: memoryview) -> None:
        self.b = b

    def _take(self, i: int, n: int, owed: int) -> Tuple[bytes, int]:
        if n + owed > len(self.b) - i:
            raise MsgpackError(f"a value declares {n} bytes but the payload cannot hold them")
        return bytes(self.b[i:i + n]), i + n

    def _num(self, fmt: str, i: int, owed: int) -> Tuple[Any, int]:
        raw, i = self._take(i, struct.calcsize(fmt), owed)
        return struct.unpack(fmt, raw)[0], i

    def value(self, i: int, depth: int, owed: int) -> Tuple[Any, int]:
        if depth > MAX_DEPTH:
            raise MsgpackError(f"values nested deeper than {MAX_DEPTH} levels")
        if i >= len(self.b):
            raise MsgpackError("the payload ends inside a value")
        t = self.b[i]
        i += 1
        if t <= 0x7F:
            return t, i
        if t >= 0xE0:
            return t - 0x100, i
        if t <= 0x8F:
            return self._map(i, t & 0x0F, depth, owed)
        if t <= 0x9F:
            return self._array(i, t & 0x0F, depth, owed)
        if t <= 0xBF:
            return self._str(i, t & 0x1F, owed)
        if t in _FIXED:
            return _FIXED[t], i
        if t in _NUMBERS:
            return self._num(_NUMBERS[t], i, owed)
        if t in _STR:
            n, i = self._num(_STR[t], i, owed)
            return self._str(i, n, owed)
        if t in _BIN:
            n, i = self._num(_BIN[t], i, owed)
            return self._take(i, n, owed)
        if t in _ARRAY:
            n, i = self._num(_ARRAY[t], i, owed)
            return self._array(i, n, depth, owed)
        if t in _MAP:
            n, i = self._num(_MAP[t], i, owed)
            return self._map(i, n, depth, owed)
        if t in _EXT or t in _EXT_LEN:
            if t in _EXT:
                n = _EXT[t]
            else:
                n, i = self._num(_EXT_LEN[t], i, owed)
            kind, i = self._num(">b", i, owed)
            raw, i = self._take(i, n, owed)
            return _ext(kind, raw), i
        raise MsgpackError(f"byte 0x{t:02x} does not start a MessagePack value")

    def _str(self, i: int, n: int, owed: int) -> Tuple[str, int]:
        raw, i = self._take(i, n, owed)
        try:
            return raw.decode("utf-8"), i
        except UnicodeDecodeError as err:
            raise MsgpackError(f"a str is not valid UTF-8: {err}") from err

    def _array(self, i: int, n: int, depth: int, owed: int) -> Tuple[List[Any], int]:
        if n + owed > len(self.b) - i:
            raise MsgpackError(f"an array of {n} elements cannot fit in the payload")
        out = []
        for k in range(n):
            v, i = self.value(i, depth + 1, owed + n - k - 1)
            out.append(v)
        return out, i

    def _map(self, i: int, n: int, depth: int, owed: int) -> Tuple[dict, int]:
        if 2 * n + owed > len(self.b) - i:
            raise MsgpackError(f"a map of {n} entries cannot fit in the payload")
        out = {}
        for k in range(n):
            key, i = self.value(i, depth + 1, owed + 2 * (n - k) - 1)
            if not isinstance(key, str):
                raise MsgpackError(f"map keys must be strings, got {type(key).__name__}")
            out[key], i = self.value(i, depth + 1, owed + 2 * (n - k - 1))
        return out, i


def _ext(kind: int, raw: bytes) -> Any:
    if kind != -1:
        raise MsgpackError(f"extension type {kind} is not supported (only the timestamp, -1)")
    if len(raw) == 4:
        secs, nanos = struct.unpack(">I", raw)[0], 0
    elif len(raw) == 8:
        word = struct.unpack(">Q", raw)[0]
        secs, nanos = word & 0x3FFFFFFFF, word >> 34
    elif len(raw) == 12:
        nanos, secs = struct.unpack(">Iq", raw)
    else:
        raise MsgpackError(f"a timestamp of {len(raw)} bytes is invalid")
    return _EPOCH + timedelta(seconds=secs, microseconds=nanos // 1000)
