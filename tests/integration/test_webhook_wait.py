"""A webhook with `wait: true` served over a distributed runtime (real executor and worker
processes on PostgreSQL and Redis): the HTTP call answers with the flow's outputs once the
execution has ended, and 500 when it failed."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from podium.api import create_app
from podium.api.server import ServerThread
from tests.api.conftest import BEARER, api_settings, deploy
from tests.api.test_webhooks import WAITING
from tests.integration.conftest import start_runtime, stop_runtime

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "hook:", executors=1, workers=1)
    yield runtime
    stop_runtime(deployment, runtime)


def test_wait_return_outputs_over_real_services(runtime):
    app = create_app(runtime, api_settings())
    with TestClient(app, headers=BEARER) as client, ServerThread(app) as server:
        deploy(client, WAITING)
        base = f"{server.url}/api/v1/executions/webhook/company.team/waiting"
        answer = httpx.post(f"{base}/outputsKey", params={"name": "ada"}, timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"greeting": "Hello ada!"}
        failed = httpx.get(f"{base}/wholeKey", params={"fail": "1"}, timeout=60)
        assert failed.status_code == 500 and failed.json()["state"]["current"] == "FAILED"
