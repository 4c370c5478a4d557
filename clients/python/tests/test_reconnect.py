"""Reconnecting (docs/reconnect.md): the Node client's backoff defaults, hello again with a new
clientId, subscriptions restored, calls waiting while reconnecting, and giving up."""
import math

import pytest

from conftest import WAIT, Daemon, wait_until
from sidewire_client import Backoff, Client, SidewireError, connect


def test_backoff_defaults_match_the_node_client():
    b = Backoff(random=lambda: 0.5)  # no jitter
    assert [round(b.delay(n) * 1000) for n in range(1, 11)] == [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]
    assert b.max_attempts == 10 and b.jitter == 0.2
    assert Backoff(random=lambda: 0.0).delay(1) == pytest.approx(0.08)
    assert Backoff(random=lambda: 0.999999).delay(1) == pytest.approx(0.12, abs=0.001)
    with pytest.raises(SidewireError) as err:
        Backoff(factor=0.5)
    assert err.value.code == "ERR_INVALID_ARGUMENT"


def test_reconnects_after_a_restart_and_resubscribes(home, env):
    sock = f"unix://{home}/s.sock"
    daemon = Daemon(home, ["--endpoint", sock, "--tick-ms", "100"]).start()
    statuses = []
    client = connect(endpoint=sock, env=env, queue_timeout=WAIT, reconnect=Backoff(max_attempts=math.inf, max_delay=0.5))
    client.on_status(lambda s: statuses.append(s["state"]))
    try:
        events = client.subscribe("clock.tick")
        assert events.get(WAIT) is not None
        first_id = client.client_id
        daemon.kill()
        wait_until(lambda: "reconnecting" in statuses, "the reconnecting status")
        daemon = Daemon(home, ["--endpoint", sock, "--tick-ms", "100"]).start()
        assert client.call("echo", [1], timeout=WAIT) == [1]  # waits in the queue until ready
        assert client.client_id != first_id and client.previous_client_id == first_id
        assert client.reconnects == 1
        seen = wait_until(lambda: events.get(0.1), "an event after the reconnect")
        assert seen.topic == "clock.tick"
        assert client.status["state"] == "ready"
    finally:
        client.close()
        daemon.stop()


def test_a_call_written_before_the_loss_fails_and_is_not_retried(home, env):
    sock = f"unix://{home}/s.sock"
    daemon = Daemon(home, ["--endpoint", sock]).start()
    client = connect(endpoint=sock, env=env, reconnect=False)
    try:
        daemon.kill()
        wait_until(lambda: client.state == "closed", "the client to see the loss")
        assert client.status["reason"] == "lost"
        with pytest.raises(SidewireError) as err:
            client.call("echo", [1])
        assert err.value.code == "ERR_CONNECTION_CLOSED"
    finally:
        client.close()


def test_gives_up_after_max_attempts(home, env):
    sock = f"unix://{home}/s.sock"
    daemon = Daemon(home, ["--endpoint", sock]).start()
    client = connect(endpoint=sock, env=env, reconnect=Backoff(initial_delay=0.01, max_attempts=2))
    try:
        daemon.stop()
        wait_until(lambda: client.state == "failed", "the client to give up")
        assert client.status["attempts"] == 2 and client.status["reason"]["code"] == "ERR_NOT_RUNNING"
        with pytest.raises(SidewireError) as err:
            client.call("echo", [1])
        assert err.value.code == "ERR_CLIENT_FAILED"
    finally:
        client.close()


def test_a_call_while_reconnecting_times_out_in_the_queue(home, env):
    sock = f"unix://{home}/s.sock"
    daemon = Daemon(home, ["--endpoint", sock]).start()
    client = connect(endpoint=sock, env=env, queue_timeout=0.2, reconnect=Backoff(max_attempts=math.inf, initial_delay=0.05, max_delay=0.2))
    try:
        daemon.stop()
        wait_until(lambda: client.state != "ready", "the client to see the loss")
        with pytest.raises(SidewireError) as err:
            client.call("echo", [1])
        assert err.value.code == "ERR_TIMEOUT"
    finally:
        client.close()


def test_bad_options_fail_at_once():
    for options in ({"mode": "xml"}, {"call_timeout": -1}, {"connect_timeout": 0}, {"max_message_bytes": 0}, {"spool_max_bytes": "big"}, {"reconnect": 3}):
        with pytest.raises(SidewireError) as err:
            Client(**options)
        assert err.value.code == "ERR_INVALID_ARGUMENT"
    with pytest.raises(SidewireError) as bad:
        Client(endpoint="unix:relative.sock")
    assert bad.value.code == "ERR_ENDPOINT_FORMAT"
