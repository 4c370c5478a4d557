"""A JSON-RPC 2.0 (NDJSON) server on a Linux abstract socket bound the way Python binds it:
'\0' + name, the exact name length. Answers $/hello and echo; closes connections that do not start with JSON (a server without
binary mode, docs/protocol.md); prints "ready" once listening.
Usage: python3 abstract_server.py NAME  (test/interop/abstract-peers.test.ts)"""
import json
import os
import socket
import sys
import threading


def serve(conn):
    with conn, conn.makefile("rb") as lines:
        if lines.peek(1)[:1] != b"{":
            return  # not JSON (sidewire's binary preface): close, and the client falls back to JSON mode
        for line in lines:
            msg = json.loads(line)
            if msg.get("method") == "$/hello":
                result = {"protocol": 1, "clientId": "python", "pid": os.getpid(), "ppid": os.getppid(),
                          "server": {"name": "python-abstract", "version": "0"}, "capabilities": {}}
            elif msg.get("method") == "echo":
                result = {"echo": msg.get("params"), "server": "python"}
            else:
                reply = {"jsonrpc": "2.0", "id": msg.get("id"), "error": {"code": -32601, "message": "method not found"}}
                conn.sendall((json.dumps(reply) + "\n").encode())
                continue
            if "id" in msg:
                conn.sendall((json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}) + "\n").encode())


def main():
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("\0" + sys.argv[1])
    server.listen()
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
