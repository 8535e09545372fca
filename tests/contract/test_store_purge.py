"""Contract of the admin store functions (execution.Count, PurgeExecutions, log.PurgeLogs),
run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from podium.common.models.state import State
from podium.common.store import (
    LogEntry,
    append_logs,
    execution_counts,
    fetch_logs,
    get_execution,
    insert_execution,
    insert_task_runs,
    load_task_runs,
    purge_executions,
    purge_logs,
)
from podium.common.store.schema import logs as logs_table
from tests.contract.test_store import T0, execution, task_run


def _log(ex, level="INFO", at=T0, **extra):
    return LogEntry(execution_id=ex.id, task_run_id=None, task_id="t", attempt=1, level=level,
                    message="m", timestamp=at, namespace=ex.namespace, flow_id=ex.flow_id,
                    **extra)


def test_execution_counts_per_flow_fills_zero_and_groups_namespaces(db):
    with db.begin() as conn:
        for ex in (execution(flow_id="a"), execution(flow_id="a"), execution(flow_id="b"),
                   execution(ns="other", flow_id="x"),
                   execution(flow_id="a", at=T0 - timedelta(days=3))):
            insert_execution(conn, ex)
        counts = execution_counts(conn, flows=[("company.team", "a"), ("company.team", "zzz")],
                                  namespaces=["company.team"], start=T0 - timedelta(hours=1),
                                  end=T0)
    assert counts == [("company.team", "a", 2), ("company.team", "zzz", 0),
                      ("company.team", None, 3)]
    with db.begin() as conn:
        assert execution_counts(conn, flows=[("company.team", "a")],
                                states=[State.SUCCESS]) == [("company.team", "a", 0)]


def test_purge_executions_deletes_terminated_ones_with_task_runs_and_logs(db):
    old_ok = execution(state=State.SUCCESS, at=T0 - timedelta(days=2))
    old_failed = execution(state=State.FAILED, at=T0 - timedelta(days=2))
    old_running = execution(state=State.RUNNING, at=T0 - timedelta(days=2))
    recent = execution(state=State.SUCCESS, at=T0 + timedelta(days=1))
    sub_ns = execution(ns="company.team.sub", state=State.SUCCESS, at=T0 - timedelta(days=2))
    other_ns = execution(ns="company.teams", state=State.SUCCESS, at=T0 - timedelta(days=2))
    everything = (old_ok, old_failed, old_running, recent, sub_ns, other_ns)
    with db.begin() as conn:
        for ex in everything:
            insert_execution(conn, ex)
            insert_task_runs(conn, [task_run(ex.id, "t", 0)])
            append_logs(conn, [_log(ex), _log(ex, "ERROR")])
    with db.begin() as conn:
        assert purge_executions(conn, "company.team", None, None, T0,
                                states=[State.SUCCESS]) == (2, 4)
    with db.begin() as conn:
        gone = [ex for ex in everything if get_execution(conn, ex.id) is None]
        assert gone == [old_ok, sub_ns]
        assert load_task_runs(conn, old_ok.id) == [] and fetch_logs(conn, old_ok.id) == []
        assert len(fetch_logs(conn, old_failed.id)) == 2
        # Without states: any terminated one; a RUNNING execution is never touched.
        assert purge_executions(conn, "company.team", "hello", None, T0) == (1, 2)
        assert get_execution(conn, old_running.id) is not None
        assert len(load_task_runs(conn, old_running.id)) == 1


def test_purge_executions_can_keep_executions_or_logs(db):
    ex = execution(state=State.SUCCESS)
    with db.begin() as conn:
        insert_execution(conn, ex)
        append_logs(conn, [_log(ex)])
        assert purge_executions(conn, end=T0, purge_executions=False) == (0, 1)
        assert get_execution(conn, ex.id) is not None
        append_logs(conn, [_log(ex)])
        assert purge_executions(conn, end=T0, purge_logs=False) == (1, 0)
        assert len(fetch_logs(conn, ex.id)) == 1


def test_purge_logs_by_namespace_flow_levels_and_dates(db):
    a, b = execution(flow_id="a"), execution(ns="other", flow_id="b")
    with db.begin() as conn:
        append_logs(conn, [_log(a, "INFO"), _log(a, "ERROR"), _log(a, at=T0 + timedelta(days=1)),
                           _log(a, "WARNING", at=T0 - timedelta(days=5)), _log(b)])
    with db.begin() as conn:
        assert purge_logs(conn, "company.team", "a", ["ERROR"], None, T0) == 1
        assert purge_logs(conn, "company.team", None, None, T0 - timedelta(days=1), T0) == 1
        assert purge_logs(conn, None, None, ["WARN"], None, T0) == 1
        assert purge_logs(conn, end=T0 + timedelta(days=2)) == 2
        assert conn.execute(select(func.count()).select_from(logs_table)).scalar_one() == 0
