"""Test helpers: a real reference daemon (`sidewire serve`, the Node CLI) in a private temp dir.

The Node command is SIDEWIRE_NODE_CLI (a JSON array, set by test/interop/python-package.test.ts:
node and the CLI it tests), else `node <repo>/dist/cli/main.js` (run `npm run build` first).
Waits are bounded and scaled by SIDEWIRE_TEST_TIMEOUT_SCALE (a busy 2-core machine is slow)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Dict, List, Optional

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACKAGE_ROOT))
sys.path.insert(0, PACKAGE_ROOT)

SCALE = float(os.environ.get("SIDEWIRE_TEST_TIMEOUT_SCALE") or 1)
#: A generous bound for one step that takes well under a second on an idle machine.
WAIT = 60.0 * SCALE


def node_cli() -> List[str]:
    given = os.environ.get("SIDEWIRE_NODE_CLI")
    if given:
        return json.loads(given)
    main = os.path.join(REPO, "dist", "cli", "main.js")
    if not os.path.exists(main):
        pytest.fail(f"{main} is missing: run `npm run build` first (or set SIDEWIRE_NODE_CLI)")
    return ["node", main]


def wait_until(check: Callable[[], object], what: str, timeout: float = WAIT, step: float = 0.05) -> object:
    """Polls `check` until it returns something truthy; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(step)


class Daemon:
    """`sidewire serve ARGS` with XDG_RUNTIME_DIR and TMPDIR set to `home`."""

    def __init__(self, home: str, args: List[str]) -> None:
        self.home = home
        self.args = args
        self.proc: Optional[subprocess.Popen] = None
        self.output: List[str] = []

    @property
    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update({"XDG_RUNTIME_DIR": self.home, "TMPDIR": self.home})
        env.pop("SIDEWIRE_ENDPOINT", None)
        return env

    def start(self) -> "Daemon":
        self.output = []
        self.proc = subprocess.Popen(node_cli() + ["serve", *self.args], cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ready = threading.Event()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                self.output.append(line)
                if line.startswith("pid file:"):
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(WAIT) or self.proc.poll() is not None:
            self.stop()
            pytest.fail(f"sidewire serve did not start within {WAIT:g} s: {''.join(self.output)}")
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(WAIT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)


@pytest.fixture
def home():
    """A private (0700) temp dir with a short path (socket paths are limited to 107 bytes)."""
    d = tempfile.mkdtemp(prefix="swpy-", dir="/tmp")
    os.chmod(d, 0o700)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def env(home):
    """The environment a client in `home` uses (the daemon's runtime dir rules)."""
    return {"XDG_RUNTIME_DIR": home, "TMPDIR": home, "PATH": os.environ.get("PATH", "")}


@pytest.fixture
def daemon(home):
    """A running daemon on unix://<home>/s.sock with a 100 ms clock.tick."""
    d = Daemon(home, ["--endpoint", f"unix://{home}/s.sock", "--tick-ms", "100"]).start()
    yield d
    d.stop()


def run_cli(args: List[str], env: Dict[str, str], stdin: str = "", timeout: float = WAIT) -> subprocess.CompletedProcess:
    """`python3 -m sidewire_client ARGS` as a separate process (a hook)."""
    full = dict(env)
    full["PYTHONPATH"] = PACKAGE_ROOT
    return subprocess.run([sys.executable, "-m", "sidewire_client", *args], env=full, input=stdin, capture_output=True, text=True, timeout=timeout)
