"""The scheduler's `triggers` table and its exactly-once rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.observability import metrics
from podium.common.settings import SchedulerSettings
from podium.common.store import (
    ensure_trigger,
    get_trigger,
    list_triggers,
    lock_trigger,
    save_flow,
    save_trigger,
    set_backfill,
    set_trigger_disabled,
)
from podium.common.store.schema import executions
from podium.common.store.triggers import TriggerState
from podium.common.submission import create_execution
from podium.common.transport.memory import InProcessTransport
from podium.scheduler.plan import execution_id
from podium.scheduler.service import SchedulerService

T0 = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
KEY = ("n", "f", "s")
FLOW = """id: f
namespace: n
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""


def test_ensure_trigger_creates_one_row_and_keeps_an_existing_one(db):
    row = TriggerState(*KEY, fingerprint="a", next_date=T0)
    with db.begin() as conn:
        assert ensure_trigger(conn, row)
        assert not ensure_trigger(conn, row.but(fingerprint="b", next_date=T0 + timedelta(1)))
    with db.begin() as conn:
        stored = get_trigger(conn, KEY)
        assert (stored.fingerprint, stored.next_date) == ("a", T0)
        save_trigger(conn, stored.but(last_date=T0, next_date=T0 + timedelta(seconds=1),
                                      execution_id="e", backfill={"current": "x"}))
    with db.begin() as conn:
        stored = get_trigger(conn, KEY)
        assert (stored.last_date, stored.execution_id, stored.backfill) == \
            (T0, "e", {"current": "x"})
        assert set_trigger_disabled(conn, KEY, True)
        assert get_trigger(conn, KEY).disabled
        assert set_trigger_disabled(conn, KEY, False)
        assert get_trigger(conn, KEY).execution_id is None
        assert set_backfill(conn, KEY, T0 - timedelta(hours=1), None)
        assert get_trigger(conn, KEY).backfill["current"] == (T0 - timedelta(hours=1)).isoformat()
        assert not set_backfill(conn, ("n", "f", "nope"), T0, None)


def test_two_connections_inserting_the_same_scheduled_execution_leave_one_row(db):
    loaded = parse_flow(FLOW)
    with db.begin() as conn:
        save_flow(conn, loaded)
    exec_id = execution_id(KEY, T0)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def insert() -> None:
        barrier.wait()
        with db.begin() as conn:
            try:
                with conn.begin_nested():
                    create_execution(conn, loaded.flow, 1, {}, T0, execution_id=exec_id,
                                     trigger={"id": "s", "variables": {}})
                outcomes.append("inserted")
            except IntegrityError:
                outcomes.append("duplicate")

    threads = [threading.Thread(target=insert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["duplicate", "inserted"]
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(executions)).scalar() == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_locked_trigger_row_is_skipped_not_waited_for(db):
    with db.begin() as conn:
        ensure_trigger(conn, TriggerState(*KEY, fingerprint="a", next_date=T0))
    with db.begin() as first:
        assert lock_trigger(first, KEY) is not None
        with db.begin() as second:
            assert lock_trigger(second, KEY) is None


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_two_schedulers_fire_each_date_once(db):
    with db.begin() as conn:
        save_flow(conn, parse_flow(FLOW))
    clock = Clock(T0)
    settings = SchedulerSettings(timezone="UTC")
    schedulers = [SchedulerService(db, InProcessTransport(), settings, clock=clock)
                  for _ in range(2)]
    m = metrics.get()
    fired = m.scheduler_executions.labels("n", "schedule")._value.get()
    lags = [sample.value for sample in m.scheduler_lag.collect()[0].samples
            if sample.labels.get("kind") == "schedule" and sample.name.endswith(("_count", "_sum"))]
    for scheduler in schedulers:
        scheduler.tick()
    for second in range(1, 21):
        clock.now = T0 + timedelta(seconds=second, milliseconds=5)
        for scheduler in (schedulers if second % 2 else reversed(schedulers)):
            scheduler.tick()
            with db.begin() as conn:  # executions end at once (no executor here)
                conn.execute(update(executions).values(state=State.SUCCESS.value))
    with db.read() as conn:
        rows = conn.execute(select(executions.c.id, executions.c.trigger)).all()
    dates = sorted(row.trigger["variables"]["date"] for row in rows)
    expected = [(T0 + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ") for s in range(1, 21)]
    assert dates == expected
    assert sum(s.counters["fired"] for s in schedulers) == 20
    # metrics: 20 executions created, each fired 5 ms after its date
    assert m.scheduler_executions.labels("n", "schedule")._value.get() == fired + 20
    count, total = [sample.value for sample in m.scheduler_lag.collect()[0].samples
                    if sample.labels.get("kind") == "schedule"
                    and sample.name.endswith(("_count", "_sum"))]
    if lags:
        count, total = count - lags[0], total - lags[1]
    assert count == 20 and total == pytest.approx(0.1)
    with db.read() as conn:
        assert list_triggers(conn)[0].next_date == T0 + timedelta(seconds=21)


def test_search_triggers_filters_and_pages_in_the_database(db):
    from podium.common.store.triggers import search_triggers

    keys = [("company", "a", "s"), ("company.team", "b", "s"), ("company_x", "c", "s"),
            ("other", "d", "nightly_run"), ("companyteam", "e", "s")]
    with db.begin() as conn:
        for key in keys:
            ensure_trigger(conn, TriggerState(*key, fingerprint="f", next_date=T0))

    def found(**filters):
        with db.read() as conn:
            rows, total = search_triggers(conn, limit=filters.pop("limit", 10),
                                          offset=filters.pop("offset", 0), **filters)
        return [row.flow_id for row in rows], total

    # A namespace is a prefix of whole segments; `_` and `%` are matched literally.
    assert found(namespace="company") == (["a", "b"], 2)
    assert found(namespace="company_") == ([], 0)
    assert found(flow_id="d") == (["d"], 1)
    assert found(query="NIGHTLY_") == (["d"], 1)
    assert found(query="%") == ([], 0)
    pages = [found(limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [total for _, total in pages] == [5, 5, 5]
    assert sorted(flow for flows, _ in pages for flow in flows) == ["a", "b", "c", "d", "e"]
