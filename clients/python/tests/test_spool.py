"""Durable notifications: a Python hook spools while the daemon is down, in the Node client's
format; the reference daemon delivers it exactly once when it starts. Plus the file checks, the
size limit, torn tails, and a live client replaying its own spool after a reconnect."""
import json
import math
import os
import re

import pytest

from conftest import WAIT, Daemon, run_cli, wait_until
from sidewire_client import Backoff, Client, SidewireError, connect, resolve_endpoint
from sidewire_client.spool import SpoolWriter, durable_paths

FILE_RE = re.compile(r"^p(\d+)-(\d+)-([0-9a-f]{12})\.jsonl$")


def inbox(client):
    return client.call("inbox.list", {"offset": 0, "limit": 1000})


def test_regression_a_hook_that_fires_while_the_daemon_is_down_loses_nothing(home, env):
    sock = f"unix://{home}/s.sock"
    hook = run_cli(["notify", "hook.event", '{"file":"a.py","n":1}', "--durable", "--endpoint", sock], env)
    assert hook.returncode == 0, hook.stderr
    m = re.match(r"^spooled (\S+) in (\S+)\n$", hook.stdout)
    assert m, hook.stdout
    message_id, file = m.group(1), m.group(2)
    # the Node client's layout and format: <socket>.spool/p<pid>-<start ms>-<token>.jsonl, 0600 in 0700
    assert os.path.dirname(file) == f"{home}/s.sock.spool"
    assert FILE_RE.match(os.path.basename(file))
    assert os.stat(file).st_mode & 0o777 == 0o600 and os.stat(os.path.dirname(file)).st_mode & 0o777 == 0o700
    with open(file, encoding="utf-8") as f:
        text = f.read()
    line = json.loads(text)
    assert text == json.dumps(line, separators=(",", ":")) + "\n"
    assert list(line) == ["id", "method", "params", "at"] and line["id"] == message_id
    assert message_id.startswith(FILE_RE.match(os.path.basename(file)).group(3) + ".")

    daemon = Daemon(home, ["--endpoint", sock]).start()
    try:
        with connect(endpoint=sock, env=env) as client:
            records = wait_until(lambda: [r for r in inbox(client) if r["id"] == message_id], "the spooled message in the inbox")
            assert records == [{"method": "hook.event", "params": {"file": "a.py", "n": 1}, "id": message_id, "receivedAt": records[0]["receivedAt"]}]
            wait_until(lambda: not os.path.exists(file), "the ingested spool file to be deleted")
            client.call("$/durable", {"messages": [{"id": message_id, "method": "hook.event", "params": {"n": 2}}]})  # a replay
    finally:
        daemon.stop()
    daemon = Daemon(home, ["--endpoint", sock]).start()  # after a restart: still exactly once
    try:
        with connect(endpoint=sock, env=env) as client:
            assert [r["id"] for r in inbox(client)].count(message_id) == 1
    finally:
        daemon.stop()


def test_a_durable_notify_with_the_daemon_up_is_delivered(daemon, home, env):
    hook = run_cli(["notify", "hook.event", '{"n":3}', "--durable", "--json", "--endpoint", f"unix://{home}/s.sock"], env)
    assert hook.returncode == 0, hook.stderr
    out = json.loads(hook.stdout)
    assert out["ok"] and out["delivered"] is True
    with connect(endpoint=f"unix://{home}/s.sock", env=env) as client:
        assert [r["params"] for r in inbox(client) if r["id"] == out["id"]] == [{"n": 3}]
    assert not os.path.exists(out["file"])


def test_a_live_client_replays_its_spool_after_reconnecting(home, env):
    sock = f"unix://{home}/s.sock"
    daemon = Daemon(home, ["--endpoint", sock]).start()
    client = connect(endpoint=sock, env=env, reconnect=Backoff(max_attempts=math.inf, max_delay=0.5))  # a slow restart must not exhaust it
    try:
        daemon.stop()
        wait_until(lambda: client.state in ("reconnecting", "connecting"), "the client to notice the loss")
        receipt = client.notify("hook.event", {"while": "down"}, durable=True)
        assert receipt.delivered is False and os.path.exists(receipt.file)
        daemon = Daemon(home, ["--endpoint", sock]).start()
        wait_until(lambda: client.state == "ready", "the client to reconnect")
        wait_until(lambda: client.flush_spool() == 0, "the spool to be replayed")
        assert [r["params"] for r in inbox(client) if r["id"] == receipt.id] == [{"while": "down"}]
    finally:
        client.close()
        daemon.stop()


def test_unsafe_spool_dirs_are_refused(home, env):
    sock = f"unix://{home}/s.sock"
    target = os.path.join(home, "elsewhere")
    os.mkdir(target, 0o700)
    os.symlink(target, f"{home}/s.sock.spool")
    hook = run_cli(["notify", "hook.event", "{}", "--durable", "--endpoint", sock], env)
    assert hook.returncode == 1 and "ERR_FILE_UNSAFE" in hook.stderr and "symbolic link" in hook.stderr
    assert os.listdir(target) == []
    os.unlink(f"{home}/s.sock.spool")
    os.mkdir(f"{home}/s.sock.spool", 0o700)
    os.chmod(f"{home}/s.sock.spool", 0o755)
    with pytest.raises(SidewireError) as err:
        Client(endpoint=sock, env=env).notify("hook.event", {}, durable=True)
    assert err.value.code == "ERR_FILE_UNSAFE" and err.value.details["reason"] == "mode"


def test_spool_files_are_checked_before_appending(home, env):
    paths = durable_paths(resolve_endpoint(endpoint=f"unix://{home}/s.sock", env=env))
    writer = SpoolWriter(paths)
    writer.append("hook.event", {"n": 1})
    os.chmod(writer.file, 0o666)
    with pytest.raises(SidewireError) as err:
        writer.append("hook.event", {"n": 2})
    assert err.value.code == "ERR_FILE_UNSAFE" and err.value.details["reason"] == "mode"
    os.chmod(writer.file, 0o600)
    os.link(writer.file, os.path.join(home, "second-name"))
    with pytest.raises(SidewireError) as linked:
        writer.append("hook.event", {"n": 3})
    assert linked.value.details["reason"] == "hard-link"


def test_the_spool_size_limit_and_torn_tails(home, env):
    paths = durable_paths(resolve_endpoint(endpoint=f"unix://{home}/s.sock", env=env))
    writer = SpoolWriter(paths, max_bytes=200)
    writer.append("hook.event", {"n": 1})
    with open(writer.file, "ab") as f:
        f.write(b'{"id":"torn')  # a crash mid-write
    writer.append("hook.event", {"n": 2})  # the torn tail is cut first
    assert [m["params"]["n"] for m in writer.read()] == [1, 2]
    with open(writer.file, "rb") as f:
        assert b"torn" not in f.read()
    with pytest.raises(SidewireError) as err:
        writer.append("hook.event", {"pad": "x" * 200})
    assert err.value.code == "ERR_SPOOL" and err.value.details["limit"] == 200
    assert len(writer.read()) == 2
    writer.remove({writer.read()[0]["id"]})
    assert [m["params"]["n"] for m in writer.read()] == [2]
    assert [n for n in os.listdir(paths.spool_dir) if n.endswith(".tmp")] == []


def test_the_server_leaves_a_live_producers_file_alone(home, env):
    """The file name carries this process's start time as the server computes it from /proc: the
    server ingests a file only once its producer is dead (or its pid was reused)."""
    sock = f"unix://{home}/s.sock"
    live = SpoolWriter(durable_paths(resolve_endpoint(endpoint=sock, env=env)))
    mine = live.append("hook.event", {"from": "live"})
    hook = run_cli(["notify", "hook.event", '{"from":"dead"}', "--durable", "--endpoint", sock], env)
    dead_id = hook.stdout.split()[1]
    daemon = Daemon(home, ["--endpoint", sock]).start()
    try:
        with connect(endpoint=sock, env=env) as client:
            wait_until(lambda: any(r["id"] == dead_id for r in inbox(client)), "the exited producer's message")
            # one scan handles every file, oldest producer (this process) first: it was judged already
            assert all(r["id"] != mine["id"] for r in inbox(client))
            assert os.path.exists(live.file)
    finally:
        daemon.stop()


def test_regression_a_rewrite_does_not_lose_an_append_from_another_thread(home, env):
    """remove() reads the file, filters it and renames a new one over it: an append made by
    another thread in between must wait for it, not be overwritten."""
    import threading

    class Interleaving(SpoolWriter):
        late: threading.Thread

        def _rewrite(self, data: bytes) -> None:
            self.late = threading.Thread(target=self.append, args=("hook.event", {"n": "late"}))
            self.late.start()
            self.late.join(0.5)  # without the writer's lock the append lands now, and is then overwritten
            super()._rewrite(data)

    writer = Interleaving(durable_paths(resolve_endpoint(endpoint=f"unix://{home}/s.sock", env=env)))
    first = writer.append("hook.event", {"n": 1})
    writer.append("hook.event", {"n": 2})
    writer.remove({first["id"]})
    writer.late.join(WAIT)
    assert [m["params"]["n"] for m in writer.read()] == [2, "late"]
