"""The client against a real reference daemon: hello, calls, errors, timeouts, notifications,
subscriptions (callback and iterator), binary mode, and the token of a TCP endpoint."""
import json
import os
import socket
import threading
import time

import pytest

from conftest import WAIT, Daemon, wait_until
from sidewire_client import Client, ResponseError, SidewireError, connect


def test_hello_and_calls(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        hello = client.hello
        assert hello["protocol"] == 1
        assert len(hello["clientId"]) == 12 and int(hello["clientId"], 16) >= 0
        assert hello["pid"] == daemon.proc.pid
        assert "json" in hello["capabilities"]["modes"]
        assert client.call("echo", {"text": "h\u00e9llo \u2028 \U0001f600", "n": [1, 2.5, None, True]}) == {"text": "h\u00e9llo \u2028 \U0001f600", "n": [1, 2.5, None, True]}
        assert client.call("sum", [1, 2, 3]) == 6
        assert client.call("$/ping")["time"] > 0


def test_server_errors_are_response_errors(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        with pytest.raises(ResponseError) as missing:
            client.call("no.such.method")
        assert missing.value.code == -32601
        with pytest.raises(ResponseError) as invalid:
            client.call("sum", [1, "x"])
        assert invalid.value.code == -32602
        assert invalid.value.data["issues"][0]["path"] == [1]
        assert client.call("echo", [1]) == [1]  # the connection survives errors


def test_call_timeout_sends_cancel(home):
    """A server that reads but never answers: the call fails with ERR_TIMEOUT and sends $/cancel."""
    path = os.path.join(home, "silent.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(1)
    received = []

    def serve() -> None:
        conn, _ = listener.accept()
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                received.append(msg)
                if msg.get("method") == "$/hello":
                    reply = {"jsonrpc": "2.0", "id": msg["id"], "result": {"protocol": 1, "clientId": "0123456789ab", "pid": 1, "ppid": 0, "server": {"name": "x", "version": "0"}, "capabilities": {}}}
                    conn.sendall(json.dumps(reply).encode() + b"\n")

    threading.Thread(target=serve, daemon=True).start()
    with connect(endpoint=f"unix://{path}", reconnect=False) as client:
        started = time.monotonic()
        with pytest.raises(SidewireError) as err:
            client.call("slow", {}, timeout=0.3)
        assert err.value.code == "ERR_TIMEOUT"
        assert time.monotonic() - started < WAIT
        call_id = next(m["id"] for m in received if m.get("method") == "slow")
        wait_until(lambda: any(m.get("method") == "$/cancel" and m["params"] == {"id": call_id} for m in received), "$/cancel")
    listener.close()


def test_notify_reaches_the_inbox(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        before = client.call("inbox.count")
        client.notify("py.event", {"n": 1})
        assert client.call("inbox.count") == before + 1  # the server reads in order
        last = client.call("inbox.list", {"offset": before, "limit": 1})[0]
        assert last["method"] == "py.event" and last["params"] == {"n": 1} and last["id"] is None


def test_subscribe_with_callback_and_iterator(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        got = []
        client.subscribe("clock.tick", lambda data, topic: got.append((topic, data)))
        with client.subscribe("clock.*") as events:
            first = events.get(WAIT)
            assert first is not None and first.topic == "clock.tick" and isinstance(first.data["n"], int)
            second = next(iter(events))
            assert second.data["n"] > first.data["n"]
        wait_until(lambda: len(got) >= 2, "two events on the callback")
        assert got[0][0] == "clock.tick"


def test_iterator_ends_when_the_client_closes(daemon, home, env):
    client = connect(endpoint=f"unix://{home}/s.sock", env=env)
    events = client.subscribe("nothing.ever")
    done = []
    t = threading.Thread(target=lambda: done.append(list(events)), daemon=True)
    t.start()
    client.close()
    t.join(WAIT)
    assert done == [[]]


def test_binary_mode_carries_bytes(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env, mode="binary") as client:
        assert client.mode == "binary"
        value = {"blob": bytes(range(256)) * 300, "big": 2**40, "neg": -5, "f": 0.5, "s": "\u00e9", "nested": [[{"a": None}]]}
        assert client.call("echo", value) == value
        with client.subscribe("clock.tick") as events:
            assert events.get(WAIT).topic == "clock.tick"


def test_tcp_endpoint_token_comes_from_the_discovery_file(home, env):
    d = Daemon(home, ["--app", "pytcp", "--endpoint", "tcp://127.0.0.1:0"]).start()
    try:
        record = json.load(open(os.path.join(home, "pytcp", "pytcp.json")))
        assert record["token"]
        # auto + the env var pointing at port 0: the discovery file supplies port and token
        with connect(app="pytcp", env={**env, "PYTCP_ENDPOINT": "tcp://127.0.0.1:0"}) as client:
            assert client.endpoint == record["endpoint"]
            assert client.call("echo", {"ok": 1}) == {"ok": 1}
        with pytest.raises(SidewireError) as refused:
            connect(app="pytcp", endpoint=record["endpoint"], env=env, token="0" * 64)
        assert refused.value.code == "ERR_HANDSHAKE"
        assert refused.value.details["serverError"]["code"] == -32001
    finally:
        d.stop()


def test_not_running_and_closed(home):
    with pytest.raises(SidewireError) as err:
        connect(endpoint=f"unix://{home}/none.sock")
    assert err.value.code == "ERR_NOT_RUNNING"
    client = Client(endpoint=f"unix://{home}/none.sock")
    with pytest.raises(SidewireError) as idle:
        client.call("echo")
    assert idle.value.code == "ERR_CONNECTION_CLOSED"


def test_an_oversized_reply_is_refused_from_its_length(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env, max_message_bytes=1000, reconnect=False) as client:
        with pytest.raises(SidewireError) as err:
            client.call("echo", {"pad": "x" * 5000})
        assert err.value.code == "ERR_CONNECTION_LOST" and err.value.details["reason"] == "too-large"
        wait_until(lambda: client.state == "closed", "the client to close")


def test_a_message_larger_than_the_server_accepts_is_refused_before_sending(daemon, home, env):
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        limit = client.hello["capabilities"]["maxMessageBytes"]
        with pytest.raises(SidewireError) as err:
            client.call("echo", {"pad": "x" * limit})
        assert err.value.code == "ERR_MESSAGE_TOO_LARGE" and err.value.details["limit"] == limit
        assert client.call("echo", [1]) == [1]  # nothing was sent: the connection is fine


@pytest.mark.parametrize("mode", ["json", "binary"])
def test_a_busy_server_is_reported_in_both_modes(home, mode):
    """A server at its connection limit answers one JSON line before reading anything, then closes."""
    path = os.path.join(home, f"busy-{mode}.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(1)

    def refuse() -> None:
        conn, _ = listener.accept()
        conn.sendall(b'{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"server busy: too many connections"}}\n')
        conn.close()

    threading.Thread(target=refuse, daemon=True).start()
    with pytest.raises(SidewireError) as err:
        connect(endpoint=f"unix://{path}", mode=mode, reconnect=False)
    listener.close()
    assert err.value.code == "ERR_HANDSHAKE"
    assert "too many connections" in err.value.message and "retry later" in err.value.fixes[0]
