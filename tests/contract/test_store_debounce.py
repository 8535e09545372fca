"""Debounce buffers (common/store/debounce.py) on SQLite and PostgreSQL, and the scheduler
folding a burst of events into one execution, once, with two replicas."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from podium.common.debounce import NEVER, Window
from podium.common.flow.loader import parse_flow
from podium.common.settings import SchedulerSettings
from podium.common.store import (
    add_debounce_event,
    delete_burst,
    due_bursts,
    list_bursts,
    lock_burst,
    next_flush_at,
    save_flow,
)
from podium.common.store.schema import executions
from podium.common.transport.memory import InProcessTransport
from podium.scheduler.service import SchedulerService

T0 = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
S = timedelta(seconds=1)
KEY = ("n", "f", "hook")
TRIGGER = {"id": "hook", "type": "io.kestra.plugin.core.trigger.Webhook"}
FLOW = """id: f
namespace: n
inputs:
  - id: events
    type: JSON
    required: false
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.size }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: secret-key
    debounce:
      key: "{{ trigger.body.user }}"
      quiet: PT5S
      maxWait: PT30S
      maxBatch: 10
      input: events
"""


def add(conn, window, key, event, now):
    return add_debounce_event(conn, KEY, window, key, event, now, trigger=TRIGGER)


def test_events_join_the_open_burst_of_their_key(db):
    window = Window(quiet=5 * S)
    with db.begin() as conn:
        first = add(conn, window, "a", {"i": 1}, T0)
        second = add(conn, window, "a", {"i": 2}, T0 + 2 * S)
        other = add(conn, window, "b", {"i": 3}, T0 + 3 * S)
    assert second.execution_id == first.execution_id != other.execution_id
    assert (second.size, second.events, second.flush_at) == (2, [{"i": 1}, {"i": 2}], T0 + 7 * S)
    with db.read() as conn:
        assert [(b.key, b.size) for b in list_bursts(conn, "n", "f")] == [("a", 2), ("b", 1)]
        assert next_flush_at(conn) == T0 + 7 * S
        assert due_bursts(conn, T0 + 7 * S - timedelta(microseconds=1)) == []
        assert [b.key for b in due_bursts(conn, T0 + 8 * S)] == ["a", "b"]


def test_an_event_after_the_burst_is_due_or_full_opens_the_next_one(db):
    window = Window(quiet=60 * S, max_batch=2)
    with db.begin() as conn:
        add(conn, window, "a", 1, T0)
        full = add(conn, window, "a", 2, T0 + S)
        assert full.flush_at == T0 + S
        later = add(conn, window, "a", 3, T0 + 2 * S)
    assert (later.seq, later.size) == (full.seq + 1, 1)
    assert later.execution_id != full.execution_id
    with db.begin() as conn:
        locked = lock_burst(conn, full)
        assert locked is not None and locked.events == [1, 2]
        delete_burst(conn, locked)
        assert lock_burst(conn, full) is None
        again = add(conn, window, "a", 4, T0 + 3 * S)  # joins the open burst, seq 2
    assert (again.seq, again.events) == (later.seq, [3, 4])


def test_a_batch_held_until_full_is_stored_as_never_due(db):
    # BatchWebhook with eventsCount only (common/batch_webhook.py): the far flush date is
    # stored and compared by every backend.
    window = Window(max_batch=2, hold_until_full=True)
    with db.begin() as conn:
        first = add(conn, window, "a", 1, T0)
    assert first.flush_at == NEVER
    with db.read() as conn:
        assert due_bursts(conn, T0 + timedelta(days=3650)) == []
    with db.begin() as conn:
        full = add(conn, window, "a", 2, T0 + S)
    assert full.flush_at == T0 + S and full.events == [1, 2]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_locked_burst_is_skipped_and_an_appender_waits_for_it(db):
    window = Window(quiet=5 * S)
    with db.begin() as conn:
        burst = add(conn, window, "a", 1, T0)
    result = {}
    with db.begin() as flusher:
        assert lock_burst(flusher, burst) is not None
        with db.begin() as other:
            assert lock_burst(other, burst) is None

        def append() -> None:
            with db.begin() as conn:
                result["burst"] = add(conn, window, "a", 2, T0 + S)

        thread = threading.Thread(target=append)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()  # waits for the flusher's row lock
        delete_burst(flusher, burst)
    thread.join(5)
    # The burst it waited for is gone (flushed): the event opens a new burst, with a new id.
    assert result["burst"].events == [2]
    assert result["burst"].execution_id != burst.execution_id


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_two_schedulers_fold_a_burst_into_one_execution_with_the_events(db):
    """What a Webhook (or Flow) trigger caller does: add each event to the buffer in its
    transaction instead of creating an execution; the scheduler loop fires the burst."""
    with db.begin() as conn:
        flow = save_flow(conn, parse_flow(FLOW))
    trigger = parse_flow(FLOW).flow.triggers[0]
    window = Window.of(trigger.debounce)
    clock = Clock(T0)
    schedulers = [SchedulerService(db, InProcessTransport(), SchedulerSettings(timezone="UTC"),
                                   clock=clock) for _ in range(2)]
    for i in range(4):  # a burst for ann, one event for bob
        with db.begin() as conn:
            add_debounce_event(conn, KEY, window, "ann", {"body": {"user": "ann", "i": i}},
                               T0 + i * S, trigger=TRIGGER, inputs={}, labels={"src": "hook"})
    with db.begin() as conn:
        add_debounce_event(conn, KEY, window, "bob", {"body": {"user": "bob"}}, T0 + S,
                           trigger=TRIGGER)
    clock.now = T0 + 5 * S  # bob's quiet period ended, ann's did not
    for scheduler in schedulers:
        scheduler.tick()
    clock.now = T0 + 9 * S
    for scheduler in reversed(schedulers):
        scheduler.tick()
    assert sum(s.flush_bursts() for s in schedulers) == 0
    with db.read() as conn:
        rows = conn.execute(select(executions.c.id, executions.c.trigger, executions.c.inputs,
                                   executions.c.labels).order_by(executions.c.created)).all()
        assert list_bursts(conn) == []
    assert len(rows) == 2
    bob, ann = rows
    assert bob.trigger["variables"] == {"events": [{"body": {"user": "bob"}}], "size": 1,
                                        "key": "bob"}
    events = ann.trigger["variables"]["events"]
    assert [e["body"]["i"] for e in events] == [0, 1, 2, 3]
    assert ann.trigger["id"] == "hook" and ann.trigger["type"] == TRIGGER["type"]
    assert ann.inputs["events"] == events
    assert sum(s.counters["fired"] for s in schedulers) == 2
    assert flow.revision == 1
