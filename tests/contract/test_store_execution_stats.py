"""The dashboard's store queries on both backends: counts per state and time bucket,
first ERROR lines, executions not ended."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from podium.common.models.state import State
from podium.common.store import LogEntry, append_logs, execution_stats, insert_execution
from tests.contract.test_store import execution

HOUR = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)


def test_counts_by_state_and_hour_are_grouped_in_the_database(db):
    with db.begin() as conn:
        for minutes, state in [(1, State.SUCCESS), (59, State.SUCCESS), (30, State.FAILED),
                               (61, State.SUCCESS), (-1, State.FAILED)]:
            insert_execution(conn, execution(at=HOUR + timedelta(minutes=minutes),
                                             state=state))
    with db.read() as conn:
        rows = execution_stats.counts_by_state_over_time(conn, HOUR, 3600)
    assert rows == [(HOUR, "FAILED", 1), (HOUR, "SUCCESS", 2),
                    (HOUR + timedelta(hours=1), "SUCCESS", 1)]
    with db.read() as conn:
        days = execution_stats.counts_by_state_over_time(conn, HOUR - timedelta(hours=1),
                                                         86400)
    midnight = HOUR.replace(hour=0)
    assert days == [(midnight, "FAILED", 2), (midnight, "SUCCESS", 3)]


def test_first_errors_and_executions_not_ended(db):
    failed, quiet = execution(state=State.FAILED), execution(state=State.FAILED)
    running = execution(state=State.RUNNING)
    with db.begin() as conn:
        for one in (failed, quiet, running, execution(state=State.SUCCESS)):
            insert_execution(conn, one)
        append_logs(conn, [LogEntry(failed.id, None, "t", 1, level, message, HOUR)
                           for level, message in [("INFO", "fine"), ("ERROR", "first"),
                                                  ("ERROR", "second")]])
    with db.read() as conn:
        errors = execution_stats.first_errors(conn, [failed.id, quiet.id])
        assert execution_stats.first_errors(conn, []) == {}
        assert execution_stats.count_not_ended(conn) == 1
    assert list(errors) == [failed.id]
    assert (errors[failed.id]["message"], errors[failed.id]["task_id"]) == ("first", "t")
