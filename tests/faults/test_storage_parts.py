"""Parts of the storage scenarios that need no server: the flow they deploy parses, and the
proxy refuses connections while blocked, then passes bytes again on the same port (run by
a plain `pytest`)."""

from __future__ import annotations

import socket
import threading

import pytest

from podium.common.flow.loader import parse_flow
from tests.faults.proxy import TcpProxy
from tests.faults.scenarios import SCENARIOS
from tests.faults.scenarios.storage import files_flow


def test_the_files_flow_parses_with_and_without_more_properties(tmp_path):
    plain = parse_flow(files_flow(tmp_path / "sink", 256)).flow
    retried = parse_flow(files_flow(tmp_path / "sink", 512, "    logToFile: true\n")).flow
    assert plain.tasks[0].output_files == ["out.bin"]
    assert retried.tasks[0].log_to_file is True
    assert {"storage-down", "disk-full"} <= set(SCENARIOS)
    assert not SCENARIOS["storage-down"].ci and not SCENARIOS["disk-full"].ci


@pytest.fixture
def echo():
    server = socket.create_server(("127.0.0.1", 0))

    def answer(conn):
        with conn:
            try:
                while data := conn.recv(1024):
                    conn.sendall(data)
            except OSError:
                pass  # reset by the proxy's block

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def _round_trip(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"ping")
        return sock.recv(4)


def test_the_proxy_refuses_while_blocked_and_resets_open_connections(echo):
    proxy = TcpProxy(echo).start()
    try:
        assert _round_trip(proxy.port) == b"ping"
        held = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        held.sendall(b"x")
        assert held.recv(1) == b"x"
        proxy.block()
        with pytest.raises(ConnectionRefusedError):
            _round_trip(proxy.port)
        with pytest.raises(OSError):  # reset: a read fails or finds the end
            held.sendall(b"y")
            if not held.recv(1):
                raise ConnectionResetError()
        held.close()
        proxy.unblock()
        assert _round_trip(proxy.port) == b"ping"
    finally:
        proxy.stop()


def test_a_client_waiting_for_an_answer_sees_the_block_at_once():
    """A request in flight when the proxy blocks ends for the client at once, as when the
    endpoint goes down, instead of waiting for its read timeout."""
    silent = socket.create_server(("127.0.0.1", 0))
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    proxy = TcpProxy(silent.getsockname()[1]).start()
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as client:
            client.sendall(b"GET / HTTP/1.1\r\n\r\n")
            threading.Timer(0.3, proxy.block).start()
            try:
                assert client.recv(10) == b""
            except ConnectionResetError:
                pass
    finally:
        proxy.stop()
        silent.close()
