"""Serving the app with uvicorn: in the foreground (`podium webserver`) or in a thread
(`podium server local`; tests and the fuzz run on an ephemeral port).

The listening socket is bound here, before uvicorn starts, so that a taken port is an
error of ours (one line) and a taken default port moves to the next free one
(common/ports.py) instead of uvicorn logging a bind failure.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from podium.common.ports import bind_port


def listen(host: str, port: int, *, explicit: bool, what: str) -> socket.socket:
    """A socket bound to `host`:`port` (or, a default port being taken, the next free one);
    ServiceSetupError when an explicit port is taken."""

    def bind(candidate: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError:
            sock.close()
            raise
        return sock

    return bind_port(bind, port, explicit=explicit, what=what)[0]


def address(sock: socket.socket) -> str:
    """`http://HOST:PORT` of a bound socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(app: FastAPI, sock: socket.socket) -> None:
    """uvicorn on `sock` (see `listen`) until interrupted."""
    config = uvicorn.Config(app, log_level="info", proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


class ServerThread:
    """uvicorn in a daemon thread on `host`:`port` (default 127.0.0.1 and any free port);
    `url` once started. `explicit=False`: a taken `port` moves to the next free one."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, *,
                 explicit: bool = True, what: str = "podium API") -> None:
        self.socket = listen(host, port, explicit=explicit, what=what)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]},
                                       name="api-server", daemon=True)
        self.url = address(self.socket)

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                self.socket.close()
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
