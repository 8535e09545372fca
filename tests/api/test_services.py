"""GET /api/v1/services and `podium sys services --server`: the heartbeat rows."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from podium.cli import main
from podium.common.heartbeat import Heartbeat, new_instance
from podium.common.store import claim_silent_services
from podium.common.store.types import utcnow
from tests.api.conftest import TOKEN


def register(runtime, kind: str, late: timedelta = timedelta(0), **info) -> Heartbeat:
    beat = Heartbeat(runtime.db, new_instance(kind, info), interval=60,
                     clock=lambda: utcnow() - late,
                     running=lambda: [{"execution_id": "e1", "task_run_id": "r1", "attempt": 1}]
                     if kind == "worker" else [])
    return beat.start()


def test_lists_live_services_and_dead_ones_on_request(client, runtime):
    executor = register(runtime, "executor", concurrency=2)
    worker = register(runtime, "worker", late=timedelta(minutes=5), concurrency=4)
    rows = client.get("/api/v1/services").json()
    assert sorted(r["kind"] for r in rows) == ["executor", "worker"]
    listed = next(r for r in rows if r["kind"] == "worker")
    assert listed["id"] == worker.id and listed["state"] == "RUNNING"
    assert listed["info"] == {"concurrency": 4}
    assert listed["running"] == [{"execution_id": "e1", "task_run_id": "r1", "attempt": 1}]
    assert [r["id"] for r in client.get("/api/v1/services?kind=executor").json()] == [executor.id]
    with runtime.db.begin() as conn:  # the worker, silent for 5 minutes, is declared dead
        assert [i.id for i in claim_silent_services(conn, utcnow() - timedelta(minutes=1))] \
            == [worker.id]
    assert [r["kind"] for r in client.get("/api/v1/services").json()] == ["executor"]
    dead = [r for r in client.get("/api/v1/services?all=true").json() if r["state"] == "DEAD"]
    assert [r["id"] for r in dead] == [worker.id]
    executor.stop()  # a clean stop removes the row
    assert client.get("/api/v1/services").json() == []


def test_unknown_kind_is_a_clear_422(client):
    response = client.get("/api/v1/services?kind=robot")
    assert response.status_code == 422


def test_needs_credentials(anonymous):
    assert anonymous.get("/api/v1/services").status_code == 401


def test_cli_against_the_server(runtime, live):
    register(runtime, "scheduler")
    result = CliRunner().invoke(main, ["sys", "services", "--server", live, "--token",
                                       TOKEN, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert [row["kind"] for row in json.loads(result.output)] == ["scheduler"]
    table = CliRunner().invoke(main, ["sys", "services", "--server", live, "--token",
                                      TOKEN])
    assert "scheduler" in table.output and "RUNNING" in table.output
