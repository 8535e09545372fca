"""`podium server local` serves the API and the UI over its embedded runtime."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import httpx

from tests.ui.conftest import PASSWORD, USER
from tests.waiting import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving(process: subprocess.Popen, url: str) -> bool:
    assert process.poll() is None, process.stdout.read()  # it stopped: say why
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


def test_server_local_serves_the_ui(tmp_path):
    port = free_port()
    env = {**os.environ, "PODIUM_DATA_DIR": str(tmp_path / "data"),
           "PODIUM_API__USERS": f"{USER}:{PASSWORD}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "podium.cli", "server", "local", "--workers", "1",
         "--no-scheduler", "--port", str(port)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: serving(process, f"{base}/health"), 60,
                 "podium server local to serve /health")
        anonymous = httpx.get(f"{base}/ui/executions")
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/ui/login?next=")
        assert "Log in" in httpx.get(f"{base}/ui/login").text
        assert httpx.get(f"{base}/api/v1/flows/search").status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"web UI on http://127.0.0.1:{port}/ui" in output
