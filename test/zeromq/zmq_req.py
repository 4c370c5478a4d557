"""A ZeroMQ REQ peer (pyzmq, Debian python3-zmq), as a Python sidecar's client would be.

Usage: python3 zmq_req.py ENDPOINT < requests.ndjson
Sends each stdin line as one message, waits for the reply, prints it as one line (an empty
reply as an empty line). Exits 2 when a reply does not come within 90 s.
"""
import sys

import zmq

ctx = zmq.Context()
sock = ctx.socket(zmq.REQ)
sock.setsockopt(zmq.RCVTIMEO, 90000)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(sys.argv[1])
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    sock.send(line.encode("utf-8"))
    try:
        reply = sock.recv()
    except zmq.Again:
        print("no reply within 90 s to " + line, file=sys.stderr)
        sys.exit(2)
    print(reply.decode("utf-8"), flush=True)
sock.close()
ctx.term()
