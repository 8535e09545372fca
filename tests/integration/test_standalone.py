"""`podium server standalone`: executor, worker, scheduler and webserver as children of one
supervisor process, on the deployment's PostgreSQL and Redis; SIGTERM stops them all
cleanly (exit 0, heartbeat rows removed)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest
from sqlalchemy.exc import ProgrammingError

from podium.common.store import list_services
from podium.runtime import Runtime
from tests.integration.conftest import settings_from, wait_for
from tests.integration.scrape import get
from tests.support.servers import free_port

pytestmark = pytest.mark.service

FLOW = """id: hello
namespace: it.standalone
tasks:
  - id: hi
    type: io.kestra.plugin.core.log.Log
    message: hello
"""


def test_standalone_runs_a_flow_and_stops_on_sigterm(deployment, tmp_path):
    port = free_port()
    env = deployment.env("standalone:", PODIUM_API__AUTH="false",
                         PODIUM_WORKER__HEARTBEAT_SECONDS="0.5", PODIUM_MANAGEMENT__PORT="0")
    log = open(tmp_path / "standalone.log", "wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "podium.cli", "server", "standalone", "--port", str(port),
         "--workers", "2"], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    runtime = Runtime.connect(settings_from(env))
    try:
        def kinds() -> list[str]:
            try:
                with runtime.db.read() as conn:
                    return sorted({row.kind for row in list_services(conn)})
            except ProgrammingError:  # the supervisor has not migrated the database yet
                return []

        wait_for(lambda: kinds() == ["executor", "scheduler", "webserver", "worker"], 60,
                 "the four components to register")
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        assert api.post("/api/v1/flows", content=FLOW,
                        headers={"Content-Type": "application/x-yaml"}).status_code == 200
        response = api.post("/api/v1/executions/it.standalone/hello", params={"wait": "true"})
        assert response.status_code == 200, response.text
        assert response.json()["state"]["current"] == "SUCCESS"
        urls = re.findall(r"podium (\w+): management server on (http://\S+)",
                          (tmp_path / "standalone.log").read_text())
        assert sorted(role for role, _ in urls) == ["executor", "scheduler", "webserver",
                                                    "worker"]
        for _, url in urls:
            assert get(url + "/healthz")[0] == 200 and get(url + "/readyz")[0] == 200, url
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(60) == 0, (tmp_path / "standalone.log").read_text()
        assert kinds() == []  # every component deregistered on its way out
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
        runtime.close()
        runtime.transport.close()
