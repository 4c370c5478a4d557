"""``python3 -m sidewire_client call|notify|listen …``: the Node CLI's commands, arguments, output
and exit codes (docs/daemon.md "Exit codes"): 0 ok; 1 failed at run time (the server answered an
error, the connection was lost); 2 bad arguments; 3 the daemon is not running."""
import argparse
import json
import math
import signal
import sys
import threading
from typing import Any, Dict, List, NoReturn, Optional, Sequence, TextIO

from .backoff import Backoff
from .client import Client
from .errors import ResponseError, SidewireError
from .params_input import UsageError, parse_params, read_params_text

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_RUNNING = 0, 1, 2, 3
#: Errors that mean "no server to deliver to right now": a durable message stays spooled.
UNREACHABLE = {"ERR_NOT_RUNNING", "ERR_CONNECT", "ERR_TIMEOUT", "ERR_HANDSHAKE", "ERR_ENDPOINT_PERMISSION", "ERR_CONNECTION_LOST", "ERR_CLIENT_FAILED"}
_BAD_ENDPOINT = {"ERR_ENDPOINT_FORMAT", "ERR_ENDPOINT_PLATFORM", "ERR_ENDPOINT_REMOTE", "ERR_ENDPOINT_PATH_TOO_LONG"}
PROG = "python3 -m sidewire_client"
EPILOG = (
    "Exit codes: 0 ok; 1 failed at run time (the server refused or answered an error, the connection was lost);\n"
    "  2 bad arguments (unknown option, bad value, invalid --app/--name, bad --endpoint); 3 not running."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _dumps(value: Any) -> str:
    """As JSON.stringify writes it: compact, non-ASCII kept; bytes as a hex string."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=lambda b: bytes(b).hex() if isinstance(b, (bytes, bytearray)) else str(b))


def _parsers() -> Dict[str, argparse.ArgumentParser]:
    def command(name: str, usage: str, description: str) -> argparse.ArgumentParser:
        return _Parser(prog=f"{PROG} {name}", usage=usage, description=description, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)

    def common(p: argparse.ArgumentParser, timeout: Optional[str]) -> None:
        p.add_argument("--app", default="sidewire", help="application name (runtime dir, env var <APP>_ENDPOINT); default: sidewire")
        p.add_argument("--name", help="service name (socket, discovery and spool names); default: the app name")
        p.add_argument("--endpoint", help="unix:///abs/path.sock | unix:@name | tcp://127.0.0.1:PORT | auto; default: <APP>_ENDPOINT, else the platform default")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--token", help="the token a TCP server requires; default: the token in the server's discovery file")
        if timeout is not None:
            p.add_argument("--timeout", type=_ms, metavar="MS", help=timeout)

    call = command("call", f"{PROG} call METHOD [JSON | - | @FILE] [options]",
                   "Calls METHOD with the params (one JSON value; - reads it from stdin, @FILE from a file) and prints the result as JSON.")
    call.add_argument("method", metavar="METHOD")
    call.add_argument("params", metavar="JSON", nargs="?")
    common(call, "how long to wait for the answer; default: 30000")
    notify = command("notify", f"{PROG} notify METHOD [JSON | - | @FILE] [--durable] [options]",
                     "Sends one notification (params: a JSON object or array). Prints \"delivered\" once the server has read it;\nwith --durable it is spooled on disk first and delivered when a server runs (\"spooled ID in FILE\" until then).")
    notify.add_argument("method", metavar="METHOD")
    notify.add_argument("params", metavar="JSON", nargs="?")
    notify.add_argument("--durable", action="store_true", help="spool it first (fsync'd) so it survives a daemon that is down; exit 0 once delivered or spooled")
    common(notify, "how long to wait for the connection and the confirmation; default: connect 5000, confirm 30000")
    listen = command("listen", f"{PROG} listen TOPIC... [options]",
                     'Prints each event on the TOPICs as one JSON line {"topic":…,"data":…} (NDJSON) until Ctrl-C.\nA TOPIC may end in *: "clock.*", "*".')
    listen.add_argument("topics", metavar="TOPIC", nargs="+")
    common(listen, None)
    listen.add_argument("--no-reconnect", action="store_true", help="exit 1 when the connection is lost instead of reconnecting; default: reconnect, without a limit")
    listen.add_argument("--once", action="store_true", help="the same as --no-reconnect")
    return {"call": call, "notify": notify, "listen": listen}


USAGE = f"""Usage: {PROG} <command> [options]        {PROG} <command> --help

Commands:
  call     call a method:            call METHOD [JSON | - | @FILE]
  notify   send a notification:      notify METHOD [JSON | - | @FILE] [--durable]
  listen   print events as NDJSON:   listen TOPIC...   (reconnects when the daemon restarts)

{EPILOG}
"""


def _ms(text: str) -> int:
    if not text.isdigit() or int(text) < 1 or int(text) > 2147483647:
        raise argparse.ArgumentTypeError(f"must be an integer number of milliseconds from 1 to 2147483647, not {text!r}")
    return int(text)


def _client(args: argparse.Namespace, **options: Any) -> Client:
    return Client(args.app, args.name, args.endpoint, token=args.token, client_name="sidewire-python-cli", **options)


def _call(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: Any) -> int:
    params = parse_params(read_params_text(args.params, stdin))
    timeout = None if args.timeout is None else args.timeout / 1000
    with _client(args, reconnect=False) as client:
        try:
            result = client.call(args.method, params, timeout)
        except ResponseError as e:
            if args.json:
                out.write(_dumps({"ok": False, "error": e.to_json()}) + "\n")
            else:
                data = "" if e.data is None else "\n" + _dumps(e.data)
                err.write(f"sidewire: {args.method} failed: {e.message} (code {e.code}){data}\n")
            return EXIT_FAILED
    out.write(_dumps({"ok": True, "result": result} if args.json else result) + "\n")
    return EXIT_OK


def _notify(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: Any) -> int:
    if args.method.startswith("$/"):
        raise UsageError(f"'{args.method}' is a reserved method; notify sends application notifications")
    params = parse_params(read_params_text(args.params, stdin))
    if params is not None and not isinstance(params, (dict, list)):
        raise UsageError(f"params must be a JSON object or array, not {_dumps(params)}; e.g. '{{\"value\":{_dumps(params)}}}' or '[{_dumps(params)}]'")
    timeouts = {} if args.timeout is None else {"connect_timeout": args.timeout / 1000, "call_timeout": args.timeout / 1000}
    client = _client(args, reconnect=False, **timeouts)

    def show(delivered: bool, mid: Optional[str] = None, file: Optional[str] = None) -> None:
        if args.json:
            out.write(_dumps({"ok": True, "delivered": delivered, **({"id": mid, "file": file} if mid else {})}) + "\n")
        else:
            out.write(f"delivered{' ' + mid if mid else ''}\n" if delivered else f"spooled {mid} in {file}\n")

    try:
        if not args.durable:
            refusals: List[ResponseError] = []
            client.on_refusal(refusals.append)
            client.open()
            client.notify(args.method, params)
            try:
                client.call("$/ping")  # the server reads in order: once this answers, it has the notification
            except SidewireError:
                if not refusals:
                    raise
            if refusals:
                e = refusals[0]
                if args.json:
                    out.write(_dumps({"ok": False, "error": e.to_json()}) + "\n")
                else:
                    err.write(f"sidewire: notify {args.method} failed: the server refused it: {e.message} (code {e.code})\n")
                return EXIT_FAILED
            show(True)
            return EXIT_OK
        receipt = client.notify(args.method, params, durable=True)  # on disk first: a hook may be killed any moment
        assert receipt is not None
        try:
            client.open()
            show(client.flush_spool() == 0, receipt.id, receipt.file)
        except SidewireError as e:
            if e.code not in UNREACHABLE:
                raise
            show(False, receipt.id, receipt.file)
        return EXIT_OK
    finally:
        client.close()


def _listen(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: Any) -> int:
    off = args.once or args.no_reconnect
    client = _client(args, reconnect=False if off else Backoff(max_attempts=math.inf, max_delay=2.0))
    gone = threading.Event()
    down = {"flag": False}

    def on_status(s: Dict[str, Any]) -> None:
        if s["state"] == "reconnecting" and not down["flag"]:
            down["flag"] = True
            err.write(f"sidewire listen: connection lost ({s['reason']['code']}); reconnecting…\n")
            err.flush()
        elif s["state"] == "ready" and down["flag"]:
            down["flag"] = False
            err.write(f"sidewire listen: reconnected to {s['endpoint']}\n")
            err.flush()
        elif s["state"] == "failed" or (s["state"] == "closed" and s.get("reason") == "lost"):
            gone.set()

    def print_event(data: Any, topic: str) -> None:
        with output:
            if stopped.is_set():
                return
            try:
                out.write(_dumps({"topic": topic, "data": data}) + "\n")
                out.flush()
            except (BrokenPipeError, ValueError):  # the reader of stdout went away (| head): exit 0
                stopped.set()

    stopped = threading.Event()
    output = threading.Lock()
    client.on_status(on_status)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    client.open()
    try:
        for topic in args.topics:
            client.subscribe(topic, print_event)
        while not stopped.is_set() and not gone.is_set():
            stopped.wait(0.2)
        if gone.is_set() and not stopped.is_set():
            raise SidewireError("ERR_CONNECTION_LOST", f"the connection to {client.endpoint} was lost", [f"restart it, then run {PROG} listen again (without --once/--no-reconnect it reconnects by itself)"], {"endpoint": client.endpoint})
        return EXIT_OK
    finally:
        with output:
            stopped.set()  # no event is printed after this
        client.close()


def exit_code_of(error: SidewireError, args: Optional[argparse.Namespace]) -> int:
    if error.code == "ERR_NOT_RUNNING":
        return EXIT_NOT_RUNNING
    if error.code == "ERR_INVALID_ARGUMENT":
        return EXIT_USAGE
    if error.code in _BAD_ENDPOINT and args is not None and getattr(args, "endpoint", None):
        return EXIT_USAGE
    return EXIT_FAILED


def main(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr, stdin: Any = None) -> int:
    """Runs one command; returns its exit code (never raises for a coded error)."""
    args: Optional[argparse.Namespace] = None
    try:
        if not argv or argv[0] in ("-h", "--help", "help"):
            out.write(USAGE)
            return EXIT_OK if argv else EXIT_USAGE
        parsers = _parsers()
        if argv[0] not in parsers:
            raise UsageError(f"unknown command '{argv[0]}'")
        args = parsers[argv[0]].parse_intermixed_args(list(argv[1:]))
        run = {"call": _call, "notify": _notify, "listen": _listen}[argv[0]]
        return run(args, out, err, sys.stdin.buffer if stdin is None else stdin)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except UsageError as e:
        err.write(f"sidewire: {e}\nRun '{PROG} --help' for usage.\n")
        return EXIT_USAGE
    except SidewireError as e:
        if args is not None and args.json:
            out.write(_dumps({"ok": False, "error": e.to_json()}) + "\n")
        else:
            err.write(f"sidewire: {e.describe()}\n")
        return exit_code_of(e, args)
    except BrokenPipeError:
        return EXIT_OK
