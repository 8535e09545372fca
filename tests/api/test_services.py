"""GET /api/v1/services and `podium sys services --server`: the heartbeat rows."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from podium.cli import main
from podium.common.heartbeat import Heartbeat, new_instance
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.common.store import claim_silent_services, insert_execution, insert_task_runs
from podium.common.store.types import utcnow
from tests.api.conftest import TOKEN


def register(runtime, kind: str, late: timedelta = timedelta(0),
             attempts: list[dict] | None = None, **info) -> Heartbeat:
    beat = Heartbeat(runtime.db, new_instance(kind, info), interval=60,
                     clock=lambda: utcnow() - late, running=lambda: list(attempts or []))
    return beat.start()


def task_runs(runtime) -> tuple[dict, dict, dict]:
    """Attempts as a worker's row lists them: one running, one whose task run ended since,
    one its task run retried since (attempt 1 of a run now at attempt 2)."""
    now = utcnow()
    execution = Execution(namespace="company.team", flow_id="hello", flow_revision=1,
                          history=StateHistory.new(now, State.RUNNING))
    running, ended, retried = (
        TaskRun(execution_id=execution.id, task_id=task_id, seq=seq,
                history=StateHistory.new(now, state),
                attempts=[Attempt(number=n, state=State.RUNNING, started=now)
                          for n in range(1, count + 1)])
        for seq, (task_id, state, count) in enumerate(
            [("a", State.RUNNING, 1), ("b", State.SUCCESS, 1), ("c", State.RUNNING, 2)]))
    with runtime.db.begin() as conn:
        insert_execution(conn, execution)
        insert_task_runs(conn, [running, ended, retried])
    return tuple({"execution_id": execution.id, "task_run_id": run.id, "attempt": 1}
                 for run in (running, ended, retried))


def test_lists_live_services_and_ended_ones_on_request(client, runtime):
    running, ended, retried = task_runs(runtime)
    executor = register(runtime, "executor", concurrency=2)
    worker = register(runtime, "worker", attempts=[running, ended, retried], concurrency=4)
    silent = register(runtime, "worker", late=timedelta(minutes=5), attempts=[running])
    rows = client.get("/api/v1/services").json()
    assert sorted(r["id"] for r in rows) == sorted([executor.id, worker.id])
    listed = next(r for r in rows if r["kind"] == "worker")
    assert listed["state"] == "RUNNING" and listed["info"] == {"concurrency": 4}
    assert listed["running"] == [running]  # what ended since its last beat is not running
    assert [r["id"] for r in client.get("/api/v1/services?kind=executor").json()] == [executor.id]
    ended_too = {r["id"]: r for r in client.get("/api/v1/services?all=true").json()}
    assert ended_too[silent.id]["state"] == "SILENT" and ended_too[silent.id]["running"] == []
    with runtime.db.begin() as conn:  # the worker, silent for 5 minutes, is declared dead
        assert [i.id for i in claim_silent_services(conn, utcnow() - timedelta(minutes=1))] \
            == [silent.id]
    dead = [r for r in client.get("/api/v1/services?all=true").json() if r["state"] == "DEAD"]
    assert [(r["id"], r["running"]) for r in dead] == [(silent.id, [])]
    executor.stop()  # a clean stop removes the row
    worker.stop()
    assert client.get("/api/v1/services").json() == []


def test_sys_services_on_the_store_hides_ended_services_unless_asked(runtime, tmp_path,
                                                                     monkeypatch):
    monkeypatch.delenv("PODIUM_SERVER", raising=False)
    monkeypatch.setenv("PODIUM_DATA_DIR", str(tmp_path / "data"))  # the runtime's (conftest)
    live = register(runtime, "scheduler")
    silent = register(runtime, "worker", late=timedelta(minutes=5))

    def listed(*args: str) -> dict[str, str]:
        result = CliRunner().invoke(main, ["sys", "services", "--output", "json", *args])
        assert result.exit_code == 0, result.output
        return {row["id"]: row["state"] for row in json.loads(result.output)}
    assert listed() == {live.id: "RUNNING"}
    assert listed("--all") == {live.id: "RUNNING", silent.id: "SILENT"}
    table = CliRunner().invoke(main, ["sys", "services", "--all"]).output
    assert "SILENT" in table


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
