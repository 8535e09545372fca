"""A TCP proxy on loopback that can be cut: the outage of a server that keeps its data.

The services reach a server (moto's S3) through the proxy's port. `block()` closes the
listening socket and resets every open connection (RST), so new connections are refused
and pooled ones break, as when a storage endpoint goes down; the server behind keeps its
data (moto's server cannot persist it across a restart). `unblock()` listens again on the
same port: the endpoint is back at the address the services know.
"""

from __future__ import annotations

import socket
import struct
import threading

CHUNK = 64 * 1024


def _reset(sock: socket.socket) -> None:
    """Close with RST (linger 0): the peer sees "connection reset", not a clean end.
    shutdown first: a bare close leaves the connection open while a pump thread is blocked
    in recv() on it (Linux), and the peer would wait for an answer until its read timeout."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class TcpProxy:
    def __init__(self, upstream_port: int, port: int = 0, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.port = port
        self.connections = 0  # accepted so far
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True,
                         name="faults-proxy").start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by block() / stop()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                self.connections += 1
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                target.sendall(data)
        except OSError:
            pass
        finally:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            with self._lock:
                self._open.discard(source)
            # Both directions over: the socket is no longer needed by the other pump.
            if target not in self._open:
                source.close()
                target.close()

    def block(self) -> None:
        """Refuse new connections and reset the open ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            open_sockets, self._open = list(self._open), set()
        if listener is not None:
            # shutdown first: a bare close leaves the socket listening while the accepting
            # thread is blocked in accept() (Linux), and connections would still get in.
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for sock in open_sockets:
            _reset(sock)

    def unblock(self) -> None:
        """Listen again, on the same port."""
        if self._listener is None:
            self.start()

    def stop(self) -> None:
        self.block()
