"""The management HTTP server of a service: GET /metrics (Prometheus text format),
/healthz (liveness: every expected beat fresh) and /readyz (readiness), on its own port,
apart from any authenticated API. stdlib `http.server`, one daemon thread, a thread per
request (a scrape must never wait for a slow health check or the other way round)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from podium.common.observability import metrics
from podium.common.observability.health import Health

log = logging.getLogger(__name__)


def exposition_registry() -> CollectorRegistry:
    """What /metrics serves: this process's registry, or, in multiprocess mode, a fresh
    registry reading every process's files (pool children included)."""
    directory = metrics.multiprocess_dir()
    if directory is None:
        return REGISTRY
    from prometheus_client import multiprocess

    metrics.mark_dead_children(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


class ManagementServer:
    """`start()` binds (port 0: any free port, see `port`) and serves in a daemon thread."""

    def __init__(self, health: Health, host: str = "127.0.0.1", port: int = 0, *,
                 registry: Callable[[], CollectorRegistry] = exposition_registry) -> None:
        self.health = health
        self.registry = registry
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="podium-management", daemon=True)

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])  # an IPv4/IPv6 address: a str

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ManagementServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ManagementServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/metrics":
                        self._send(200, generate_latest(server.registry()), CONTENT_TYPE_LATEST)
                    elif path == "/healthz":
                        self._json(*server.health.liveness())
                    elif path == "/readyz":
                        self._json(*server.health.readiness())
                    else:
                        self._send(404, b'{"status": "NOT_FOUND"}\n', "application/json")
                except Exception:  # noqa: BLE001 - answer 500, keep serving
                    log.exception("management request %s failed", path)
                    self._send(500, b'{"status": "ERROR"}\n', "application/json")

            def _json(self, ok: bool, checks: dict[str, Any]) -> None:
                body = {"status": "UP" if ok else "DOWN", "checks": checks}
                self._send(200 if ok else 503, (json.dumps(body) + "\n").encode(),
                           "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("management %s", format % args)

        return Handler
