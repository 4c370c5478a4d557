"""Endpoint resolution and discovery, compared with the Node implementation itself
(`sidewire doctor --json`) where it can be: the same app, name and environment must give the same
endpoint, source and runtime dir in both languages."""
import json
import os
import subprocess

import pytest

from conftest import REPO, WAIT, node_cli
from sidewire_client import Endpoint, SidewireError, env_var_for, format_endpoint, parse_endpoint, resolve_client_target, resolve_endpoint


def node_doctor(args, env):
    full = {"PATH": os.environ.get("PATH", ""), **env}
    out = subprocess.run(node_cli() + ["doctor", "--json", *args], cwd=REPO, env=full, capture_output=True, text=True, timeout=WAIT)
    return json.loads(out.stdout)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("unix:///tmp/a.sock", "unix:///tmp/a.sock"),
        ("ipc:///tmp/a.sock", "unix:///tmp/a.sock"),
        ("/tmp/a.sock", "unix:///tmp/a.sock"),
        ("unix:/tmp/a.sock", "unix:///tmp/a.sock"),
        ("unix:@name", "unix:@name"),
        ("ipc://@name", "unix:@name"),
        ("pipe://name", "pipe://name"),
        ("\\\\.\\pipe\\name", "pipe://name"),
        ("tcp://127.0.0.1:5555/", "tcp://127.0.0.1:5555"),
        ("localhost:5555", "tcp://localhost:5555"),
        ("  127.0.0.1:0 ", "tcp://127.0.0.1:0"),
    ],
)
def test_parse_and_format(text, expected):
    parsed = parse_endpoint(text)
    assert isinstance(parsed, Endpoint) and format_endpoint(parsed) == expected


@pytest.mark.parametrize("text", ["tcp://[::1]:5555", "unix://rel.sock", "tcp://127.0.0.1", "tcp://127.0.0.1:70000", "http://x", "C:\\x.sock", "unix:@"])
def test_bad_endpoints_are_format_errors(text):
    with pytest.raises(SidewireError) as err:
        parse_endpoint(text, origin="X_ENDPOINT")
    assert err.value.code == "ERR_ENDPOINT_FORMAT" and err.value.fixes


def test_auto_and_env_var_names():
    assert parse_endpoint("") == "auto" and parse_endpoint("AUTO") == "auto"
    assert env_var_for("my-app") == "MY_APP_ENDPOINT"


@pytest.mark.parametrize(
    "app, name, extra",
    [
        ("pyapp", None, {}),
        ("pyapp", "svc", {}),
        ("pyapp", None, {"PYAPP_ENDPOINT": "tcp://127.0.0.1:4567"}),
        ("my-app", None, {"MY_APP_ENDPOINT": "unix:@abc"}),
    ],
)
def test_same_resolution_as_the_node_client(home, app, name, extra):
    env = {"XDG_RUNTIME_DIR": home, "TMPDIR": home, **extra}
    mine = resolve_endpoint(app=app, name=name, env=env)
    theirs = node_doctor(["--app", app, *(["--name", name] if name else [])], env)
    assert (format_endpoint(mine.endpoint), mine.source, mine.runtime_dir) == (theirs["endpoint"], theirs["source"], theirs["runtimeDir"]["path"])


def test_runtime_dir_without_xdg_is_nodes_tmpdir_rule(home):
    other = os.path.join(home, "not-mine")  # XDG_RUNTIME_DIR that does not exist: ignored
    env = {"XDG_RUNTIME_DIR": other, "TMPDIR": home + "/"}
    mine = resolve_endpoint(app="pyapp", env=env)
    assert mine.runtime_dir == os.path.join(home, f"pyapp-{os.getuid()}")
    assert node_doctor(["--app", "pyapp"], env)["runtimeDir"]["path"] == mine.runtime_dir


def write_discovery(home, record, mode=0o600):
    d = os.path.join(home, "pyapp")
    os.makedirs(d, 0o700, exist_ok=True)
    path = os.path.join(d, "pyapp.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=2)
    os.chmod(path, mode)
    return path


def live_record(endpoint, **more):
    from datetime import datetime, timezone

    return {"endpoint": endpoint, "pid": os.getpid(), "protocol": 1, "startedAt": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), **more}


def test_the_discovery_file_supplies_endpoint_and_token(home):
    env = {"XDG_RUNTIME_DIR": home}
    write_discovery(home, live_record("tcp://127.0.0.1:4321", token="ab" * 32))
    target = resolve_client_target(app="pyapp", env=env)
    assert (format_endpoint(target.endpoint), target.token, target.source) == ("tcp://127.0.0.1:4321", "ab" * 32, "discovery")
    explicit = resolve_client_target(app="pyapp", env=env, endpoint="tcp://127.0.0.1:9999")
    assert explicit.token is None and explicit.source == "explicit"  # the record describes another endpoint


def test_a_stale_discovery_file_is_ignored(home):
    env = {"XDG_RUNTIME_DIR": home}
    write_discovery(home, {**live_record("tcp://127.0.0.1:4321"), "pid": 2**22 + 12345})
    assert resolve_client_target(app="pyapp", env=env).source == "default"


@pytest.mark.parametrize("how", ["mode", "symlink"])
def test_an_unsafe_discovery_file_is_refused(home, how):
    env = {"XDG_RUNTIME_DIR": home}
    path = write_discovery(home, live_record("tcp://127.0.0.1:4321", token="t"), 0o666 if how == "mode" else 0o600)
    if how == "symlink":
        os.rename(path, path + ".real")
        os.symlink(path + ".real", path)
    with pytest.raises(SidewireError) as err:
        resolve_client_target(app="pyapp", env=env)
    assert err.value.code == "ERR_FILE_UNSAFE" and err.value.details["reason"] == how
