"""Every message delivered twice, with no hook in Podium: a thread watches the private
Redis with MONITOR and, for every LPUSH to a Podium queue key, LPUSHes an identical copy
once. kombu's Redis transport publishes a message as `LPUSH <key prefix><queue> <json>`
(`Channel._put`; the global key prefix is added by its PrefixedStrictRedis), and puts an
unacknowledged message back the same way, so both are doubled.

The copy gets a delivery tag of its own, as a publish that is retried (kombu's
`retry=True` after a connection error that the first attempt survived) or repeated (the
outbox sweeper) gets one: two deliveries sharing a tag would share one `unacked` entry,
so acknowledging the dropped copy would also erase the broker's record of the copy still
running, something no real duplicate does."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import uuid

import redis

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", '"': '"', "\\": "\\"}
_ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')


def monitor_args(line: str) -> list[bytes]:
    """The arguments of one MONITOR line (`<time> [<db> <client>] "ARG" "ARG"...`), with
    Redis's quoting (sdscatrepr: \\n, \\", \\xHH...) undone."""
    out = []
    for quoted in _ARG.findall(line.split("]", 1)[-1]):
        data, index = bytearray(), 0
        while index < len(quoted):
            char = quoted[index]
            if char == "\\" and quoted[index + 1] == "x":
                data.append(int(quoted[index + 2:index + 4], 16))
                index += 4
            elif char == "\\":
                data += _ESCAPES.get(quoted[index + 1], quoted[index + 1]).encode()
                index += 2
            else:
                data += char.encode("latin-1")
                index += 1
        out.append(bytes(data))
    return out


def with_own_tag(body: bytes) -> bytes:
    """The message `body` (kombu's JSON envelope) with a fresh delivery tag."""
    try:
        message = json.loads(body)
        message["properties"]["delivery_tag"] = str(uuid.uuid4())
    except (ValueError, KeyError, TypeError):
        return body  # not an envelope we know: copied as it is
    return json.dumps(message).encode()


class Duplicator:
    def __init__(self, port: int, key_prefix: str) -> None:
        self.port = port
        self.queue_prefix = f"{key_prefix}podium.".encode()
        self.copies = 0
        self._pending: dict[bytes, int] = {}  # our own copies, not to be copied again
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faults-duplicator", daemon=True)
        self._client = redis.Redis(port=port)
        self._ready = threading.Event()

    def start(self) -> "Duplicator":
        self._thread.start()
        if not self._ready.wait(10):
            raise TimeoutError("MONITOR not started")
        return self

    def _run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.settimeout(0.5)
            sock.sendall(b"MONITOR\r\n")
            buffer = b""
            while not self._stop.is_set():
                try:
                    chunk = sock.recv(1 << 16)
                except socket.timeout:
                    continue
                if not chunk:
                    return  # Redis went away: this scenario does not restart it
                buffer += chunk
                *lines, buffer = buffer.split(b"\r\n")
                for line in lines:
                    if line == b"+OK":
                        self._ready.set()
                    elif line.startswith(b"+"):
                        self._seen(line[1:].decode("latin-1"))

    def _seen(self, line: str) -> None:
        args = monitor_args(line)
        if len(args) != 3 or args[0].upper() != b"LPUSH" \
                or not args[1].startswith(self.queue_prefix) or args[1].endswith(b".dead"):
            return
        digest = hashlib.sha1(args[1] + b"\0" + args[2]).digest()
        if self._pending.get(digest):
            self._pending[digest] -= 1  # the copy we pushed ourselves
            return
        copy = with_own_tag(args[2])
        mine = hashlib.sha1(args[1] + b"\0" + copy).digest()
        self._pending[mine] = self._pending.get(mine, 0) + 1
        self._client.lpush(args[1], copy)
        self.copies += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._client.close()
