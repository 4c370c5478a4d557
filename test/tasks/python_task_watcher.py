"""A task-control subscriber in plain Python (standard library only), as a test tool in another
language would write it: says $/hello (its result is the Ack: clientId, pid, ppid), subscribes to
every task event, then prints one JSON line per event, {"event": <name>, ...payload}, as it
arrives, until it is terminated.

Usage: python3 python_task_watcher.py /path/to/socket.sock
The first line is {"ready": true, "ack": {...}} once the subscription is confirmed.
"""
import json
import socket
import sys


def main() -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    reader = sock.makefile("r", encoding="utf-8", newline="\n")

    def request(request_id, method, params):
        sock.sendall((json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}) + "\n").encode("utf-8"))
        reply = json.loads(reader.readline())
        if reply.get("id") != request_id or "error" in reply:
            raise RuntimeError(f"{method}: unexpected reply {reply}")
        return reply["result"]

    hello = request(1, "$/hello", {"protocol": 1, "client": {"name": "python-task-watcher", "version": "1"}})
    request(2, "$/subscribe", {"topics": ["tasks.*"]})
    ack = {"clientId": hello["clientId"], "pid": hello["pid"], "ppid": hello["ppid"]}
    print(json.dumps({"ready": True, "ack": ack}), flush=True)
    for line in reader:
        message = json.loads(line)
        method = message.get("method", "")
        if "id" in message or not method.startswith("tasks."):
            raise RuntimeError(f"not a task event: {message}")
        print(json.dumps({"event": method[len("tasks."):], **message["params"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
