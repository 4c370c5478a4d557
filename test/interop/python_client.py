"""A sidewire client in plain Python (standard library only), as another language would write it.

Usage: python3 python_client.py /path/to/socket.sock
Says $/hello, calls echo, subscribes to clock.tick, waits for one event, and prints one JSON
summary line. Exits non-zero on any protocol surprise.
"""
import json
import socket
import sys


def main() -> int:
    path = sys.argv[1]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(path)
    reader = sock.makefile("r", encoding="utf-8", newline="\n")
    next_id = 0

    def send(message):
        sock.sendall((json.dumps(message) + "\n").encode("utf-8"))

    def request(method, params=None):
        nonlocal next_id
        next_id += 1
        message = {"jsonrpc": "2.0", "id": next_id, "method": method}
        if params is not None:
            message["params"] = params
        send(message)
        while True:
            reply = json.loads(reader.readline())
            if reply.get("id") == next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply["result"]
            # anything else is an event that arrived first: ignore it here

    hello = request("$/hello", {"protocol": 1, "client": {"name": "python-interop", "version": "1"}})
    echoed = request("echo", {"from": "python", "n": [1, 2, 3], "text": "h\u00e9llo \u2028 \U0001f600"})
    topics = request("$/subscribe", {"topics": ["clock.tick"]})
    event = None
    while event is None:
        message = json.loads(reader.readline())
        if message.get("method") == "clock.tick" and "id" not in message:
            event = message
    print(json.dumps({"hello": hello, "echo": echoed, "topics": topics, "event": event}))
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
