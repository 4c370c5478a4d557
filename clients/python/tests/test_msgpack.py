"""The MessagePack subset of binary mode: the worked example of docs/protocol.md, round trips,
and the bounds the decoder enforces before allocating anything."""
import struct
from datetime import datetime, timezone

import pytest

from sidewire_client.msgpack import MsgpackError, pack, unpack
from sidewire_client import SidewireError
from sidewire_client.wire import BinaryCodec, JsonCodec


def test_the_worked_example_of_the_protocol_page():
    ping = pack({"jsonrpc": "2.0", "id": 1, "method": "$/ping"})
    assert ping.hex(" ") == "83 a7 6a 73 6f 6e 72 70 63 a3 32 2e 30 a2 69 64 01 a6 6d 65 74 68 6f 64 a6 24 2f 70 69 6e 67"
    reply = bytes.fromhex("83a76a736f6e727063a3322e30a26964 01 a6726573756c74 81a474696d65 cf0000019ab697e800".replace(" ", ""))
    assert unpack(reply) == {"jsonrpc": "2.0", "id": 1, "result": {"time": 1764000000000}}


@pytest.mark.parametrize("value", [None, True, False, 0, 127, 128, -32, -33, 255, 65536, 2**32, 2**63, 2**64 - 1, -(2**63), 0.1, float("inf"), "", "x" * 31, "y" * 70000, b"", b"\x00" * 70000, [], list(range(20)), {"k": {"n": [1, {"a": b"z"}]}}])
def test_round_trips(value):
    assert unpack(pack(value)) == value


def test_refusals():
    with pytest.raises(MsgpackError):
        pack({1: "non-string key"})
    with pytest.raises(MsgpackError):
        pack(2**64)
    with pytest.raises(MsgpackError):
        unpack(b"\xdd\xff\xff\xff\xff")  # an array of 2^32-1 elements in 5 bytes: refused before allocating
    with pytest.raises(MsgpackError):
        unpack(b"\xdb\x00\x10\x00\x00abc")  # a str longer than the payload
    with pytest.raises(MsgpackError):
        unpack(b"\x92\x01")  # one element short
    with pytest.raises(MsgpackError):
        unpack(b"\x91" * 101 + b"\xc0")  # nested deeper than 100 levels
    with pytest.raises(MsgpackError):
        unpack(b"\x81\x01\x02")  # an int map key
    with pytest.raises(MsgpackError):
        unpack(b"\xd4\x05\x00")  # an unknown extension type
    with pytest.raises(MsgpackError):
        unpack(b"\xc1")
    assert unpack(b"\x91" * 100 + b"\xc0") is not None


def test_the_timestamp_extension():
    assert unpack(b"\xd6\xff" + struct.pack(">I", 1_700_000_000)) == datetime.fromtimestamp(1_700_000_000, timezone.utc)


def test_an_oversized_frame_is_refused_from_its_header():
    codec = BinaryCodec(max_message_bytes=1024)
    assert codec.feed(b"\x00SW\x01") == []
    with pytest.raises(SidewireError) as err:
        codec.feed(struct.pack(">I", 2**32 - 1))
    assert err.value.code == "ERR_CONNECTION_LOST" and err.value.details["reason"] == "too-large"


def test_an_oversized_json_line_is_refused_before_its_end():
    codec = JsonCodec(max_message_bytes=1024)
    assert codec.feed(b'{"a":1}\n{"b":') == [{"a": 1}]
    with pytest.raises(SidewireError) as err:
        codec.feed(b"x" * 2000)
    assert err.value.details["reason"] == "too-large"
