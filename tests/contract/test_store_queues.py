"""Contract of the SQL store on SQLite and PostgreSQL: logs, outbox, timers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.models.execution import Execution
from podium.common.models.state import StateHistory
from podium.common.store import (
    LogEntry,
    StoreError,
    add_timer,
    append_logs,
    delete_messages,
    delete_timer,
    delete_timers,
    enqueue_messages,
    fetch_logs,
    get_timer,
    insert_execution,
    list_timers,
    next_timer_at,
    take_due_timers,
    take_messages,
)
from podium.common.store.timers import defer_timers

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def log(level: str, message: str, task_id: str | None = "t1", execution_id: str = "e1",
        task_run_id: str | None = "r1", attempt: int | None = 1) -> LogEntry:
    return LogEntry(execution_id=execution_id, task_run_id=task_run_id, task_id=task_id,
                    attempt=attempt, level=level, message=message, timestamp=T0,
                    namespace="company.team", flow_id="hello")


def stored_execution(db) -> str:
    ex = Execution(namespace="company.team", flow_id="hello", flow_revision=1,
                   history=StateHistory.new(T0))
    with db.begin() as conn:
        insert_execution(conn, ex)
    return ex.id


# -- logs ----------------------------------------------------------------------------------

def test_logs_round_trip_in_append_order(db):
    entries = [log("INFO", "first ✓"), log("DEBUG", "second"),
               log("ERROR", "third", task_id=None, task_run_id=None, attempt=None)]
    with db.begin() as conn:
        append_logs(conn, entries)
        append_logs(conn, [])
        records = fetch_logs(conn, "e1")
    assert [r.message for r in records] == ["first ✓", "second", "third"]
    assert records[0].id < records[1].id < records[2].id
    first = records[0]
    assert (first.execution_id, first.task_run_id, first.task_id, first.attempt, first.level,
            first.timestamp, first.namespace, first.flow_id) == \
        ("e1", "r1", "t1", 1, "INFO", T0, "company.team", "hello")
    assert records[2].task_id is None and records[2].attempt is None


def test_logs_level_filter(db):
    with db.begin() as conn:
        append_logs(conn, [log(level, level.lower()) for level in
                           ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")] + [log("warning", "w2")])
        assert [r.message for r in fetch_logs(conn, "e1", min_level="WARN")] == \
            ["warn", "error", "w2"]
        assert [r.level for r in fetch_logs(conn, "e1", min_level="info")] == \
            ["INFO", "WARN", "ERROR", "WARN"]
        assert len(fetch_logs(conn, "e1", min_level="TRACE")) == 6
        with pytest.raises(StoreError):
            fetch_logs(conn, "e1", min_level="LOUD")
        with pytest.raises(StoreError):
            append_logs(conn, [log("LOUD", "x")])


def test_logs_paging_for_follow_mode(db):
    with db.begin() as conn:
        append_logs(conn, [log("INFO", f"line {i}") for i in range(25)])
        append_logs(conn, [log("INFO", "other execution", execution_id="e2")])
    seen, after = [], None
    while True:
        with db.begin() as conn:
            page = fetch_logs(conn, "e1", after_id=after, limit=10)
        if not page:
            break
        seen.extend(r.message for r in page)
        after = page[-1].id
    assert seen == [f"line {i}" for i in range(25)]
    with db.begin() as conn:
        append_logs(conn, [log("INFO", "late line")])
        assert [r.message for r in fetch_logs(conn, "e1", after_id=after)] == ["late line"]


def test_logs_filter_by_task_and_task_run(db):
    with db.begin() as conn:
        append_logs(conn, [log("INFO", "a", task_id="a", task_run_id="ra"),
                           log("INFO", "b", task_id="b", task_run_id="rb"),
                           log("INFO", "a2", task_id="a", task_run_id="ra2")])
        assert [r.message for r in fetch_logs(conn, "e1", task_id="a")] == ["a", "a2"]
        assert [r.message for r in fetch_logs(conn, "e1", task_run_id="rb")] == ["b"]
        assert fetch_logs(conn, "e1", task_id="a", task_run_id="rb") == []


def test_logs_search_text_and_newest_lines(db):
    with db.begin() as conn:
        append_logs(conn, [log("INFO", f"line {i}") for i in range(5)]
                    + [log("INFO", "Disk 100% full_"), log("INFO", "disk 1000 fullx")])
        assert [r.message for r in fetch_logs(conn, "e1", contains="DISK")] == [
            "Disk 100% full_", "disk 1000 fullx"]
        # % and _ are text, not wildcards.
        assert [r.message for r in fetch_logs(conn, "e1", contains="100% full_")] == [
            "Disk 100% full_"]
        assert [r.message for r in fetch_logs(conn, "e1", newest=3)] == [
            "line 4", "Disk 100% full_", "disk 1000 fullx"]
        assert [r.message for r in fetch_logs(conn, "e1", contains="line", newest=2)] == [
            "line 3", "line 4"]


# -- outbox --------------------------------------------------------------------------------

def test_outbox_take_and_delete(db):
    payloads = [("executor", {"kind": "start_execution", "execution_id": "e1"}),
                ("worker.default", {"task": {"nested": [1, {"ü": None}]}, "n": 1.5}),
                ("executor", {"kind": "kill_execution", "execution_id": "e1"})]
    with db.begin() as conn:
        enqueue_messages(conn, payloads)
        enqueue_messages(conn, [])
    with db.begin() as conn:
        first = take_messages(conn, 2)
        assert [(m.queue, m.payload) for m in first] == payloads[:2]
        delete_messages(conn, [m.id for m in first])
    with db.begin() as conn:
        rest = take_messages(conn, 10)
        assert [(m.queue, m.payload) for m in rest] == payloads[2:]
        assert rest[0].id > first[1].id
    with db.begin() as conn:
        # Not deleted: a relay that crashed before deleting republishes.
        assert [m.id for m in take_messages(conn, 10)] == [rest[0].id]
        delete_messages(conn, [rest[0].id])
        delete_messages(conn, [])
        assert take_messages(conn, 10) == []


# -- timers --------------------------------------------------------------------------------

def test_timers_come_due_in_fire_order(db):
    execution_id = stored_execution(db)
    with db.begin() as conn:
        assert next_timer_at(conn) is None
        late = add_timer(conn, execution_id, T0 + timedelta(minutes=10), "retry", {"n": 2})
        early = add_timer(conn, execution_id, T0 + timedelta(minutes=1), "pause_timeout",
                          {"task_run_id": "r1"})
        middle = add_timer(conn, execution_id, T0 + timedelta(minutes=5), "retry")
    with db.begin() as conn:
        assert next_timer_at(conn) == T0 + timedelta(minutes=1)
        assert take_due_timers(conn, T0, 10) == []
        due = take_due_timers(conn, T0 + timedelta(minutes=5), 10)
        assert [t.id for t in due] == [early, middle]
        assert (due[0].kind, due[0].payload, due[0].fire_at, due[0].execution_id) == \
            ("pause_timeout", {"task_run_id": "r1"}, T0 + timedelta(minutes=1), execution_id)
        assert due[1].payload == {}
        assert [t.id for t in take_due_timers(conn, T0 + timedelta(hours=1), 1)] == [early]
        assert delete_timer(conn, early) is True
        assert delete_timer(conn, early) is False
        assert next_timer_at(conn) == T0 + timedelta(minutes=5)
        assert [t.id for t in take_due_timers(conn, T0 + timedelta(hours=1), 10)] == \
            [middle, late]


def test_add_timer_is_idempotent_on_its_id(db):
    execution_id = stored_execution(db)
    with db.begin() as conn:
        first = add_timer(conn, execution_id, T0, "retry", {"attempt": 2},
                          timer_id="retry:r1:2")
        again = add_timer(conn, execution_id, T0 + timedelta(hours=1), "retry", {"attempt": 9},
                          timer_id="retry:r1:2")
        assert first == again == "retry:r1:2"
        timers = list_timers(conn, execution_id)
        assert len(timers) == 1 and timers[0].fire_at == T0 and timers[0].payload == {
            "attempt": 2}
        assert get_timer(conn, "retry:r1:2") == timers[0]
        assert get_timer(conn, "nope") is None


def test_a_deferred_timer_comes_due_again_only_at_its_new_time(db):
    execution_id = stored_execution(db)
    with db.begin() as conn:
        fired = add_timer(conn, execution_id, T0, "retry", timer_id="retry:r1:2")
        other = add_timer(conn, execution_id, T0, "retry", timer_id="retry:r2:2")
        defer_timers(conn, [fired], T0 + timedelta(minutes=2))
        defer_timers(conn, [], T0 + timedelta(minutes=2))  # nothing fired: nothing changes
        assert [t.id for t in take_due_timers(conn, T0 + timedelta(minutes=1), 10)] == [other]
        assert [t.id for t in take_due_timers(conn, T0 + timedelta(minutes=2), 10)] == \
            [other, fired]
        assert get_timer(conn, fired).payload == {}


def test_delete_timers_of_an_execution(db):
    one, two = stored_execution(db), stored_execution(db)
    with db.begin() as conn:
        add_timer(conn, one, T0, "retry")
        add_timer(conn, one, T0, "pause_delay")
        add_timer(conn, one, T0, "pause_timeout")
        kept = add_timer(conn, two, T0, "retry")
        assert delete_timers(conn, one, kind="retry") == 1
        assert sorted(t.kind for t in list_timers(conn, one)) == ["pause_delay", "pause_timeout"]
        assert [t.kind for t in list_timers(conn, one, kind="pause_delay")] == ["pause_delay"]
        assert delete_timers(conn, one) == 2
        assert list_timers(conn, one) == []
        assert [t.id for t in list_timers(conn, two)] == [kept]
