"""A ZeroMQ SUB peer (pyzmq): prints COUNT messages under PREFIX as JSON lines {topic, payload}.

Usage: python3 zmq_sub.py ENDPOINT PREFIX COUNT
Prints "subscribed" first (on stderr), exits 2 when nothing arrives within 90 s.
"""
import json
import sys

import zmq

ctx = zmq.Context()
sock = ctx.socket(zmq.SUB)
sock.setsockopt(zmq.RCVTIMEO, 90000)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(sys.argv[1])
sock.setsockopt(zmq.SUBSCRIBE, sys.argv[2].encode("utf-8"))
print("subscribed", file=sys.stderr, flush=True)
for _ in range(int(sys.argv[3])):
    try:
        frames = sock.recv_multipart()
    except zmq.Again:
        print("no event within 90 s", file=sys.stderr)
        sys.exit(2)
    print(json.dumps({"frames": len(frames), "topic": frames[0].decode("utf-8"), "payload": json.loads(frames[-1])}), flush=True)
sock.close()
ctx.term()
