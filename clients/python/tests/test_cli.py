"""`python3 -m sidewire_client call|notify|listen`: the Node CLI's arguments, output and exit codes
(0 ok, 1 failed, 2 bad arguments, 3 not running), run as separate processes."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading

from conftest import PACKAGE_ROOT, WAIT, run_cli, wait_until


def test_call_prints_the_result(daemon, home, env):
    sock = f"unix://{home}/s.sock"
    r = run_cli(["call", "echo", '{"hello":1}', "--endpoint", sock], env)
    assert (r.returncode, r.stdout) == (0, '{"hello":1}\n'), r.stderr
    r = run_cli(["call", "sum", "-", "--endpoint", sock, "--json"], env, stdin="[1,2,3]")
    assert (r.returncode, json.loads(r.stdout)) == (0, {"ok": True, "result": 6})
    params = os.path.join(home, "params.json")
    with open(params, "w") as f:
        f.write('{"from":"file"}')
    r = run_cli(["call", "--endpoint", sock, "echo", f"@{params}"], env)  # options before positionals too
    assert (r.returncode, r.stdout) == (0, '{"from":"file"}\n')


def test_call_errors_and_exit_codes(daemon, home, env):
    sock = f"unix://{home}/s.sock"
    r = run_cli(["call", "sum", '["x"]', "--endpoint", sock], env)
    assert r.returncode == 1 and "sidewire: sum failed:" in r.stderr and "(code -32602)" in r.stderr
    r = run_cli(["call", "nope", "--endpoint", sock, "--json"], env)
    assert r.returncode == 1 and json.loads(r.stdout)["error"]["code"] == -32601
    r = run_cli(["call", "echo", "{bad", "--endpoint", sock], env)
    assert r.returncode == 2 and "not valid JSON" in r.stderr
    r = run_cli(["call", "echo", "--endpoint", "tcp://[::1]:1"], env)
    assert r.returncode == 2 and "ERR_ENDPOINT_FORMAT" in r.stderr
    r = run_cli(["call", "echo", "--timeout", "soon", "--endpoint", sock], env)
    assert r.returncode == 2
    r = run_cli(["call", "echo", "--endpoint", f"unix://{home}/none.sock"], env)
    assert r.returncode == 3 and "ERR_NOT_RUNNING" in r.stderr
    r = run_cli(["call", "--help"], env)
    assert r.returncode == 0 and "--endpoint" in r.stdout and "--timeout" in r.stdout


def test_plain_notify(daemon, home, env):
    sock = f"unix://{home}/s.sock"
    r = run_cli(["notify", "cli.event", '{"n":1}', "--endpoint", sock], env)
    assert (r.returncode, r.stdout) == (0, "delivered\n"), r.stderr
    r = run_cli(["notify", "cli.event", "5", "--endpoint", sock], env)
    assert r.returncode == 2 and "object or array" in r.stderr
    r = run_cli(["notify", "$/ping", "--endpoint", sock], env)
    assert r.returncode == 2 and "reserved" in r.stderr
    r = run_cli(["call", "inbox.list", "--endpoint", sock], env)
    assert any(rec["method"] == "cli.event" and rec["params"] == {"n": 1} for rec in json.loads(r.stdout))
    r = run_cli(["notify", "cli.event", "--endpoint", f"unix://{home}/none.sock"], env)
    assert r.returncode == 3


def test_listen_prints_ndjson_until_stopped(daemon, home, env):
    full = {**env, "PYTHONPATH": PACKAGE_ROOT}
    proc = subprocess.Popen([sys.executable, "-m", "sidewire_client", "listen", "clock.*", "--endpoint", f"unix://{home}/s.sock"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        events = [json.loads(line) for line in lines]
        assert [e["topic"] for e in events] == ["clock.tick", "clock.tick"]
        assert events[1]["data"]["n"] > events[0]["data"]["n"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)


def test_listen_once_exits_1_when_the_daemon_goes(daemon, home, env):
    full = {**env, "PYTHONPATH": PACKAGE_ROOT}
    proc = subprocess.Popen([sys.executable, "-m", "sidewire_client", "listen", "clock.tick", "--once", "--endpoint", f"unix://{home}/s.sock"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert json.loads(proc.stdout.readline())["topic"] == "clock.tick"
        daemon.stop()
        assert proc.wait(WAIT) == 1
        assert "ERR_CONNECTION_LOST" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)


def test_listen_reconnects_by_default(daemon, home, env):
    full = {**env, "PYTHONPATH": PACKAGE_ROOT}
    proc = subprocess.Popen([sys.executable, "-m", "sidewire_client", "listen", "clock.tick", "--endpoint", f"unix://{home}/s.sock"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines: "queue.Queue[str]" = queue.Queue()
        status: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        threading.Thread(target=lambda: [status.put(line) for line in proc.stderr], daemon=True).start()
        assert json.loads(lines.get(timeout=WAIT))["topic"] == "clock.tick"
        daemon.stop()
        assert "connection lost" in status.get(timeout=WAIT)
        daemon.start()
        assert "reconnected to" in status.get(timeout=WAIT)
        while not lines.empty():  # events of the old daemon
            lines.get()
        assert json.loads(lines.get(timeout=WAIT))["topic"] == "clock.tick"  # one of the new daemon
        proc.send_signal(signal.SIGINT)
        assert proc.wait(WAIT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)
