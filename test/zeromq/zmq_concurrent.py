"""COUNT ZeroMQ REQ peers at once (pyzmq): each sends the same request, all before any reply.

Usage: python3 zmq_concurrent.py ENDPOINT COUNT REQUEST_JSON
Prints the COUNT replies (one line each, in peer order); exits 2 when they do not all come
within 90 s (a server that answers one request at a time never answers a barrier of COUNT).
"""
import sys
import time

import zmq

ctx = zmq.Context()
count = int(sys.argv[2])
socks = []
for i in range(count):
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(sys.argv[1])
    socks.append(s)
for i, s in enumerate(socks):
    s.send(sys.argv[3].replace("$I", str(i)).encode("utf-8"))
poller = zmq.Poller()
for s in socks:
    poller.register(s, zmq.POLLIN)
replies = {}
deadline = time.time() + 90
while len(replies) < count and time.time() < deadline:
    for s, _ in poller.poll(1000):
        replies[socks.index(s)] = s.recv().decode("utf-8")
        poller.unregister(s)
if len(replies) < count:
    print("only %d of %d replies within 90 s" % (len(replies), count), file=sys.stderr)
    sys.exit(2)
for i in range(count):
    print(replies[i])
