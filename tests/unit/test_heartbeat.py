"""The heartbeat thread on a SQLite store: registers at start, writes soon after `wake`,
reports each beat, says DRAINING, and removes its row on stop."""

from __future__ import annotations

import threading

from podium.common.heartbeat import Heartbeat, describe, new_instance
from podium.common.store import Database, list_services, upgrade_database
from tests.waiting import wait_for


def store(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'podium.db'}")
    upgrade_database(db)
    return db


def rows(db):
    with db.read() as conn:
        return list_services(conn, include_dead=True)


def test_registers_at_start_and_removes_the_row_on_stop(tmp_path):
    db = store(tmp_path)
    beat = Heartbeat(db, new_instance("executor", {"concurrency": 2}), interval=60).start()
    (row,) = rows(db)
    assert (row.id, row.kind, row.state, row.info) == (beat.id, "executor", "RUNNING",
                                                      {"concurrency": 2})
    beat.stop()
    assert rows(db) == []


def test_wake_writes_the_running_attempts_soon_and_calls_on_beat(tmp_path):
    db = store(tmp_path)
    running: list[dict] = []
    beats = threading.Semaphore(0)
    beat = Heartbeat(db, new_instance("worker"), interval=60, min_gap=0.01,
                     running=lambda: list(running), on_beat=beats.release).start()
    assert beats.acquire(timeout=1)  # the registration
    running.append({"execution_id": "e", "task_run_id": "r", "attempt": 1})
    beat.wake()
    assert beats.acquire(timeout=2)  # well before the 60 s interval
    assert rows(db)[0].running == running
    beat.draining()
    wait_for(lambda: rows(db)[0].state == "DRAINING", 2, "the DRAINING beat", poll=0.01)
    beat.stop()


def test_describe_is_the_json_shape_of_the_api(tmp_path):
    instance = new_instance("scheduler")
    shown = describe(instance, instance.heartbeat_at)
    assert shown["kind"] == "scheduler" and shown["heartbeatAgeSeconds"] == 0
    assert shown["startedAt"].endswith("Z") and shown["running"] == []


def test_a_beat_that_finds_the_row_declared_dead_registers_again_and_says_so(tmp_path):
    from datetime import timedelta

    from podium.common.store import claim_silent_services
    from podium.common.store.types import utcnow

    db = store(tmp_path)
    revived: list[bool] = []
    beat = Heartbeat(db, new_instance("worker"), interval=60)
    beat.on_revived = lambda: revived.append(True)
    beat.beat_now()
    beat.beat_now()
    assert revived == []
    with db.begin() as conn:  # silent too long: an executor claims it
        assert claim_silent_services(conn, utcnow() + timedelta(seconds=1))
    beat.beat_now()
    assert revived == [True]
    assert [row.state for row in rows(db)] == ["RUNNING"]
