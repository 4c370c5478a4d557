"""The Python snippets of clients/python/README.md run as written (in separate processes, against
the reference daemon of app `myapp` in a private runtime dir)."""
import os
import re
import subprocess
import sys

from conftest import PACKAGE_ROOT, WAIT, Daemon, wait_until
from sidewire_client import connect

with open(os.path.join(PACKAGE_ROOT, "README.md"), encoding="utf-8") as f:
    SNIPPETS = re.findall(r"```python\n(.*?)```", f.read(), re.S)


def run_snippet(code, env):
    full = {**env, "PYTHONPATH": PACKAGE_ROOT}
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=WAIT)


def test_the_hook_snippet_is_five_lines_and_loses_nothing(home, env):
    hook = SNIPPETS[0]
    assert len(hook.strip().splitlines()) <= 5
    r = run_snippet(hook, env)  # the daemon is down
    assert r.returncode == 0, r.stderr
    message_id = r.stdout.split()[0]
    assert "spooled in" in r.stdout
    daemon = Daemon(home, ["--app", "myapp"]).start()
    try:
        with connect(app="myapp", env=env) as client:
            wait_until(lambda: any(rec["id"] == message_id for rec in client.call("inbox.list")), "the hook's message in the inbox")
    finally:
        daemon.stop()


def test_the_calls_and_events_snippet(home, env):
    daemon = Daemon(home, ["--app", "myapp", "--tick-ms", "100"]).start()
    try:
        r = run_snippet(SNIPPETS[1], env)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].endswith("{'hello': 1}")
        assert lines[1].startswith("-32602 ")
        assert any(line.startswith("clock.tick {") for line in lines[2:])
    finally:
        daemon.stop()
