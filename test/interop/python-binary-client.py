"""A sidewire binary-mode client in plain Python (standard library only), written from docs/protocol.md.

Usage: python3 python-binary-client.py /path/to/socket.sock
Sends the preface, checks the server's, says $/hello, calls echo with bytes and other values,
subscribes to clock.tick, waits for one event, and prints one JSON summary line (bytes as hex).
Exits non-zero on any protocol surprise.
"""
import json
import socket
import struct
import sys

PREFACE = b"\x00SW\x01"


# --- a tiny MessagePack subset: nil, bool, int, float64, str, bin, array, map -------------------

def pack(value):
    if value is None:
        return b"\xc0"
    if value is True:
        return b"\xc3"
    if value is False:
        return b"\xc2"
    if isinstance(value, int):
        if 0 <= value < 0x80:
            return struct.pack(">B", value)
        if -32 <= value < 0:
            return struct.pack(">b", value)
        if 0 <= value < 2**32:
            return b"\xce" + struct.pack(">I", value)
        if 0 <= value < 2**64:
            return b"\xcf" + struct.pack(">Q", value)
        return b"\xd3" + struct.pack(">q", value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        if len(data) < 32:
            return struct.pack(">B", 0xA0 | len(data)) + data
        return b"\xdb" + struct.pack(">I", len(data)) + data
    if isinstance(value, (bytes, bytearray)):
        return b"\xc6" + struct.pack(">I", len(value)) + bytes(value)
    if isinstance(value, (list, tuple)):
        return b"\xdd" + struct.pack(">I", len(value)) + b"".join(pack(v) for v in value)
    if isinstance(value, dict):
        return b"\xdf" + struct.pack(">I", len(value)) + b"".join(pack(k) + pack(v) for k, v in value.items())
    raise TypeError(f"cannot pack {type(value)}")


def unpack(data):
    value, end = _unpack(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the MessagePack value")
    return value


def _unpack(b, i):
    t = b[i]
    i += 1
    if t <= 0x7F:
        return t, i
    if t >= 0xE0:
        return t - 0x100, i
    if 0x80 <= t <= 0x8F:
        return _map(b, i, t & 0x0F)
    if 0x90 <= t <= 0x9F:
        return _array(b, i, t & 0x0F)
    if 0xA0 <= t <= 0xBF:
        n = t & 0x1F
        return b[i:i + n].decode("utf-8"), i + n
    fixed = {0xC0: None, 0xC2: False, 0xC3: True}
    if t in fixed:
        return fixed[t], i
    sized = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q", 0xCA: ">f", 0xCB: ">d"}
    if t in sized:
        fmt = sized[t]
        n = struct.calcsize(fmt)
        return struct.unpack(fmt, b[i:i + n])[0], i + n
    lengths = {0xD9: ">B", 0xDA: ">H", 0xDB: ">I", 0xC4: ">B", 0xC5: ">H", 0xC6: ">I", 0xDC: ">H", 0xDD: ">I", 0xDE: ">H", 0xDF: ">I"}
    if t in lengths:
        fmt = lengths[t]
        w = struct.calcsize(fmt)
        n = struct.unpack(fmt, b[i:i + w])[0]
        i += w
        if t in (0xD9, 0xDA, 0xDB):
            return b[i:i + n].decode("utf-8"), i + n
        if t in (0xC4, 0xC5, 0xC6):
            return bytes(b[i:i + n]), i + n
        if t in (0xDC, 0xDD):
            return _array(b, i, n)
        return _map(b, i, n)
    raise ValueError(f"MessagePack type 0x{t:02x} is outside this client's subset")


def _array(b, i, n):
    out = []
    for _ in range(n):
        v, i = _unpack(b, i)
        out.append(v)
    return out, i


def _map(b, i, n):
    out = {}
    for _ in range(n):
        k, i = _unpack(b, i)
        v, i = _unpack(b, i)
        out[k] = v
    return out, i


# --- framing: [u32 big-endian length][payload] ---------------------------------------------------

def read_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("the server closed the connection")
        data += chunk
    return bytes(data)


def send_message(sock, message):
    payload = pack(message)
    sock.sendall(struct.pack(">I", len(payload)) + payload)


def read_message(sock):
    (length,) = struct.unpack(">I", read_exact(sock, 4))
    return unpack(read_exact(sock, length))


def jsonable(value):
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def main() -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    sock.sendall(PREFACE)
    server_preface = read_exact(sock, 4)
    if server_preface != PREFACE:
        raise RuntimeError(f"unexpected server preface {server_preface.hex()}")
    next_id = 0

    def request(method, params=None):
        nonlocal next_id
        next_id += 1
        message = {"jsonrpc": "2.0", "id": next_id, "method": method}
        if params is not None:
            message["params"] = params
        send_message(sock, message)
        while True:
            reply = read_message(sock)
            if reply.get("id") == next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply["result"]

    hello = request("$/hello", {"protocol": 1, "client": {"name": "python-binary", "version": "1"}})
    echoed = request("echo", {
        "bytes": bytes(range(256)),
        "text": "h\u00e9llo \U0001f600",
        "ints": [0, 127, 128, 65535, 2**40, -1, -33, -(2**40)],
        "float": 1.5,
        "flags": [True, False, None],
    })
    topics = request("$/subscribe", {"topics": ["clock.tick"]})
    event = None
    while event is None:
        message = read_message(sock)
        if message.get("method") == "clock.tick" and "id" not in message:
            event = message
    print(json.dumps({
        "serverPreface": server_preface.hex(),
        "hello": hello,
        "echo": jsonable(echoed),
        "bytesType": type(echoed["bytes"]).__name__,
        "topics": topics,
        "event": event,
    }))
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
