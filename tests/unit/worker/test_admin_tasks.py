"""execution.Count, Resume, PurgeExecutions and log.PurgeLogs through run_attempt, on a
SQLite Database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.messages import ResumeExecution
from podium.common.models.execution import Execution
from podium.common.models.state import State, StateHistory
from podium.common.store import (
    Database,
    LogEntry,
    append_logs,
    fetch_logs,
    get_execution,
    insert_execution,
    upgrade_database,
)
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.worker.runnables import run_attempt
from tests.unit.worker.conftest import make_ctx, make_task

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
NS = "company.team"


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(database)
    yield database
    database.dispose()


def add(db, flow_id="a", state=State.SUCCESS, at=T0, ns=NS, log_levels=()):
    ex = Execution(namespace=ns, flow_id=flow_id, flow_revision=1,
                   history=StateHistory.new(at, state))
    with db.begin() as conn:
        insert_execution(conn, ex)
        append_logs(conn, [LogEntry(execution_id=ex.id, task_run_id=None, task_id="t",
                                    attempt=1, level=level, message="m", timestamp=at,
                                    namespace=ns, flow_id=flow_id) for level in log_levels])
    return ex


def run(task, db=None, publish=None):
    ctx, sink = make_ctx()
    ctx.store, ctx.publish = db, publish
    try:
        return run_attempt(task, ctx), sink
    finally:
        ctx.close()


def test_count_keeps_flows_whose_expression_is_true(db):
    for flow_id in ("a", "a", "a", "b"):
        add(db, flow_id)
    add(db, "a", at=T0 - timedelta(days=10))
    task = make_task("io.kestra.plugin.core.execution.Count",
                     flows=[{"namespace": NS, "flowId": f} for f in ("a", "b", "c")],
                     startDate="{{ '2024-05-01T00:00:00Z' }}", endDate="2024-05-02T00:00:00Z",
                     expression="{{ count >= 1 }}")
    outcome, _ = run(task, db)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"results": [{"namespace": NS, "flowId": "a", "count": 3},
                                           {"namespace": NS, "flowId": "b", "count": 1}],
                               "total": 4}


def test_count_by_namespace_and_states(db):
    add(db, "a")
    add(db, "b", state=State.FAILED)
    task = make_task("io.kestra.core.tasks.executions.Counts", namespaces=[NS],
                     states=["FAILED"], startDate="2024-04-01T00:00:00Z",
                     expression="{{ count == 1 }}")
    outcome, _ = run(task, db)
    assert outcome.outputs == {"results": [{"namespace": NS, "flowId": None, "count": 1}],
                               "total": 1}


def test_admin_tasks_fail_clearly_without_the_store():
    task = make_task("io.kestra.plugin.core.log.PurgeLogs", endDate="2024-05-01T00:00:00Z")
    outcome, _ = run(task)
    assert outcome.state is State.FAILED
    assert "needs the store" in outcome.error


def test_purge_executions_deletes_ended_ones_and_their_logs(db):
    old = add(db, "a", at=T0 - timedelta(days=2), log_levels=("INFO", "ERROR"))
    running = add(db, "a", state=State.RUNNING, at=T0 - timedelta(days=2), log_levels=("INFO",))
    recent = add(db, "a", at=T0 + timedelta(days=1))
    task = make_task("io.kestra.plugin.core.execution.PurgeExecutions",
                     namespace="{{ flow.namespace }}", flowId="a",
                     endDate="2024-05-01T12:00:00+00:00")
    outcome, _ = run(task, db)
    assert outcome.state is State.SUCCESS, outcome.error
    assert outcome.outputs == {"executionsCount": 1, "logsCount": 2, "storagesCount": 0,
                               "metricsCount": 0}
    with db.begin() as conn:
        assert get_execution(conn, old.id) is None
        assert get_execution(conn, running.id) is not None
        assert get_execution(conn, recent.id) is not None
        assert len(fetch_logs(conn, running.id)) == 1


def test_purge_executions_rejects_a_bad_date(db):
    task = make_task("io.kestra.plugin.core.execution.PurgeExecutions", endDate="yesterday")
    outcome, _ = run(task, db)
    assert outcome.state is State.FAILED and "Invalid `endDate` 'yesterday'" in outcome.error


def test_purge_logs_by_level(db):
    ex = add(db, "a", at=T0 - timedelta(days=1), log_levels=("INFO", "ERROR", "WARN"))
    task = make_task("io.kestra.plugin.core.log.PurgeLogs", namespace=NS, flowId="a",
                     logLevels=["ERROR", "WARN"], endDate="2024-05-01T12:00:00Z")
    outcome, _ = run(task, db)
    assert outcome.outputs == {"count": 2}
    with db.begin() as conn:
        assert [r.level for r in fetch_logs(conn, ex.id)] == ["INFO"]


def test_resume_publishes_for_the_current_execution_with_rendered_inputs():
    sent = []
    task = make_task("io.kestra.plugin.core.execution.Resume",
                     inputs={"approver": "{{ flow.id }}", "n": 2})
    outcome, _ = run(task, publish=lambda queue, payload: sent.append((queue, payload)))
    assert outcome.state is State.SUCCESS, outcome.error
    ((queue, payload),) = sent
    expected = ResumeExecution(execution_id="exec1", inputs={"approver": "flow", "n": 2}).encode()
    assert payload.pop("request_id") != expected.pop("request_id")  # each resume its own
    assert (queue, payload) == (EXECUTOR_QUEUE, expected)


def test_resume_checks_the_execution_exists(db):
    paused = add(db, "a", state=State.PAUSED)
    sent = []
    publish = lambda queue, payload: sent.append(payload)  # noqa: E731
    missing = make_task("io.kestra.plugin.core.execution.Resume", executionId="nope")
    outcome, _ = run(missing, db, publish)
    assert outcome.state is State.FAILED
    assert outcome.error == "No execution found for execution id nope"
    ok = make_task("io.kestra.plugin.core.execution.Resume", executionId=paused.id,
                   namespace=NS, flowId="a")
    outcome, _ = run(ok, db, publish)
    assert outcome.state is State.SUCCESS, outcome.error
    assert [p["execution_id"] for p in sent] == [paused.id]


def test_resume_without_a_broker_fails():
    outcome, _ = run(make_task("io.kestra.plugin.core.execution.Resume"))
    assert outcome.state is State.FAILED and "needs the broker" in outcome.error


def test_purge_executions_also_deletes_their_stored_files(db, tmp_path):
    from podium.common.storage import LocalStorage, execution_prefix, task_output_uri
    old = add(db, "a", at=T0 - timedelta(days=2))
    kept = add(db, "a", at=T0 + timedelta(days=1))
    with LocalStorage(tmp_path / "storage") as storage:
        for ex in (old, kept):
            for name in ("one.txt", "two.txt"):
                storage.put(task_output_uri(NS, "a", ex.id, "t", "tr", name), b"x")
        task = make_task("io.kestra.plugin.core.execution.PurgeExecutions", namespace=NS,
                         flowId="a", endDate="2024-05-01T12:00:00+00:00")
        ctx, _ = make_ctx(storage=storage)
        ctx.store = db
        try:
            outcome = run_attempt(task, ctx)
        finally:
            ctx.close()
        assert outcome.outputs["storagesCount"] == 2 and outcome.outputs["executionsCount"] == 1
        assert storage.list(execution_prefix(NS, "a", old.id)) == []
        assert len(storage.list(execution_prefix(NS, "a", kept.id))) == 2


def test_toggle_flips_a_stored_trigger_and_stores_an_unknown_one(db):
    from podium.common.store.triggers import TriggerState, ensure_trigger, get_trigger
    with db.begin() as conn:
        ensure_trigger(conn, TriggerState(NS, "flow", "schedule", fingerprint="f",
                                          disabled=True))
    outcome, _ = run(make_task("io.kestra.core.tasks.trigger.Toggle", trigger="schedule",
                               enabled=True), db)
    assert outcome.state is State.SUCCESS, outcome.error
    outcome, _ = run(make_task("io.kestra.plugin.core.trigger.Toggle", flowId="other",
                               trigger="nightly"), db)
    assert outcome.state is State.SUCCESS, outcome.error
    with db.begin() as conn:
        assert get_trigger(conn, (NS, "flow", "schedule")).disabled is False
        assert get_trigger(conn, (NS, "other", "nightly")).disabled is True
