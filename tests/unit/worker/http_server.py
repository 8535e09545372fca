"""A real HTTP server on 127.0.0.1 for the http task tests (ThreadingHTTPServer).

Routes: `/echo` (the request as JSON), `/status/<code>`, `/redirect?to=<url>&code=302`,
`/slow?seconds=<s>` (waits before answering), `/big?size=<bytes>` (streamed), `/binary`,
`/empty`, `/file/<name>?disposition=<header>`, `/basic` (user:pass), `/bearer` (token
`t0ken-abcdef`), `/multi` (repeated response headers), `/sse/<stream>` (a server-sent event
stream of SSE_STREAMS, written in small pieces that cut lines), `/yaml` (a YAML document).
Every request is recorded.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BIG_CHUNK = b"0123456789abcdef" * 4096  # 64 KiB, allocated once
BEARER_TOKEN = "t0ken-abcdef"
SSE_STREAMS = {
    "simple": "".join(f"data: Simple event {i}\n\n" for i in range(5)),
    "json": ('data: {"message": "Hello", "id": 1}\n\n'
             'data: {"message": "World", "id": 2}\n\n'
             'data: {"message": "Test", "id": 3}\n\n'),
    "nested": ('data: {"data": {"value": 1, "label": "first"}, "timestamp": 123}\n\n'
               'data: {"data": {"value": 2, "label": "second"}, "timestamp": 456}\n\n'),
    "mixed": ('data: {"count": 1, "type": "json"}\n\n' 'data: Plain text event\n\n'
              'data: {"count": 2, "type": "json"}\n\n' 'data: Another text event\n\n'),
    "multiline": "data: line1\ndata: line2\ndata: line3\n\n",
    # every field, \r\n and \r line ends, an event without data, an unfinished last event
    "fields": (": hello\r\nevent: tick\r\nid: 7\r\nretry: 1500\r\ndata:true\r\n\r\n"
               "event: empty\n\n" "data: é\rdata: x\r\r" "data: never ends"),
}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    header_lines: list[tuple[str, str]] = field(default_factory=list)  # repeated ones too


@dataclass
class LocalServer:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/echo", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    record: list[Recorded]

    def log_message(self, *args) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while (size := int(self.rfile.readline().strip() or b"0", 16)):
                data += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
            return data
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, code: int, body: bytes = b"", content_type: str = "text/plain",
              headers: list[tuple[str, str]] = ()) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.record.append(Recorded(self.command, url.path,
                                           {k.lower(): v for k, v in self.headers.items()},
                                           body, [(k.lower(), v) for k, v in self.headers.items()]))
        route = url.path.split("/")[1]
        getattr(self, f"route_{route}", self.route_missing)(url.path, query, body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    # ---------------------------------------------------------------- routes
    def route_missing(self, path, query, body) -> None:
        self._send(404, b"no such route")

    def route_echo(self, path, query, body) -> None:
        payload = {"method": self.command, "path": path, "query": query,
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", errors="replace")}
        self._send(200, json.dumps(payload).encode(), "application/json")

    def route_status(self, path, query, body) -> None:
        code = int(path.split("/")[2])
        self._send(code, f"status {code}".encode())

    def route_redirect(self, path, query, body) -> None:
        self._send(int(query.get("code", 302)), headers=[("Location", query["to"])])

    def route_slow(self, path, query, body) -> None:
        time.sleep(float(query.get("seconds", 2)))
        try:
            self._send(200, b"late")
        except OSError:
            pass

    def route_big(self, path, query, body) -> None:
        size = int(query["size"])
        self.send_response(200)
        self.send_header("Content-Type", query.get("type", "text/plain"))
        self.send_header("Content-Length", str(size))
        self.end_headers()
        left = size
        try:
            while left > 0:
                piece = BIG_CHUNK if left >= len(BIG_CHUNK) else BIG_CHUNK[:left]
                self.wfile.write(piece)
                left -= len(piece)
        except OSError:
            pass

    def route_binary(self, path, query, body) -> None:
        self._send(200, b"\x00\x01\x02binary\xff", "application/octet-stream")

    def route_empty(self, path, query, body) -> None:
        self._send(200, b"")

    def route_file(self, path, query, body) -> None:
        headers = [("Content-Disposition", query["disposition"])] if "disposition" in query else []
        self._send(200, b"id,name\n1,alpha\n", "text/csv", headers)

    def route_basic(self, path, query, body) -> None:
        expected = "Basic " + base64.b64encode(b"user:pa55word").decode()
        if self.headers.get("Authorization") == expected:
            self._send(200, b"welcome")
        else:
            self._send(401, b"who are you", headers=[("WWW-Authenticate", 'Basic realm="t"')])

    def route_bearer(self, path, query, body) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {BEARER_TOKEN}"
        self._send(200 if ok else 401, b"token ok" if ok else b"bad token")

    def route_sse(self, path, query, body) -> None:
        if path == "/sse/auth":
            if self.headers.get("X-API-Key") != "test-key":
                self._send(401, b"unauthorized")
                return
            stream = 'data: {"status": "authorized"}\n\n'
        else:
            stream = SSE_STREAMS[path.split("/")[2]]
        data = stream.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for start in range(0, len(data), 7):  # pieces cut lines and UTF-8 sequences
            self.wfile.write(data[start:start + 7])
            self.wfile.flush()

    def route_yaml(self, path, query, body) -> None:
        self._send(200, b"response: body\nwith:\n- yaml\n- content\n", "application/x-yaml")

    def route_multi(self, path, query, body) -> None:
        self._send(200, b"multi", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                                           ("X-Trace", "x1")])


def start_server() -> LocalServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    local = LocalServer(server)
    server.record = local.requests
    threading.Thread(target=server.serve_forever, daemon=True, name="test-http").start()
    return local


def stop_server(local: LocalServer) -> None:
    local.server.shutdown()
    local.server.server_close()
