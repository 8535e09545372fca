"""The `service_instances` table: heartbeats, listing, and claiming silent workers once,
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from podium.common.store import (
    ServiceInstance,
    beat,
    claim_silent_services,
    forget_dead_services,
    list_services,
    remove_service,
)
from podium.common.store.services import DEAD, DRAINING

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def instance(instance_id: str, kind: str = "worker", at: datetime = T0, **extra) -> ServiceInstance:
    return ServiceInstance(id=instance_id, kind=kind, hostname="host", pid=42, version="1.0",
                           started_at=T0, heartbeat_at=at, **extra)


def test_beat_registers_then_refreshes_the_row(db):
    with db.begin() as conn:
        assert beat(conn, instance("w1", info={"concurrency": 4})) is True
        running = [{"execution_id": "e", "task_run_id": "r", "attempt": 1}]
        assert beat(conn, instance("w1", at=T0 + timedelta(seconds=5), running=running,
                                   info={"concurrency": 4})) is False
        (row,) = list_services(conn)
    assert row.heartbeat_at == T0 + timedelta(seconds=5)
    assert row.running == running and row.info == {"concurrency": 4}


def test_list_filters_by_kind_and_hides_dead_rows(db):
    with db.begin() as conn:
        beat(conn, instance("e1", kind="executor"))
        beat(conn, instance("w1"))
        beat(conn, instance("w2", at=T0 - timedelta(minutes=5)))
        claim_silent_services(conn, T0 - timedelta(minutes=1), T0)
        assert [i.id for i in list_services(conn, kind="worker")] == ["w1"]
        assert {i.id for i in list_services(conn)} == {"e1", "w1"}
        assert {i.id: i.state for i in list_services(conn, include_dead=True)}["w2"] == DEAD


def test_silent_services_are_claimed_once_workers_with_their_attempts(db):
    running = [{"execution_id": "e", "task_run_id": "r", "attempt": 2}]
    with db.begin() as conn:
        beat(conn, instance("old", at=T0 - timedelta(seconds=90), running=running))
        beat(conn, instance("draining", at=T0 - timedelta(seconds=90), state=DRAINING))
        beat(conn, instance("fresh", at=T0 - timedelta(seconds=10), running=running))
        beat(conn, instance("exec", kind="executor", at=T0 - timedelta(hours=1)))
    with db.begin() as conn:
        claimed = claim_silent_services(conn, T0 - timedelta(seconds=60), T0)
    assert sorted(i.id for i in claimed) == ["draining", "exec", "old"]
    assert [i.running for i in claimed if i.id == "old"] == [running]
    with db.begin() as conn:
        assert claim_silent_services(conn, T0 - timedelta(seconds=60), T0) == []


def test_a_worker_declared_dead_registers_again_at_its_next_beat(db):
    with db.begin() as conn:
        beat(conn, instance("w1", at=T0 - timedelta(minutes=5)))
        claim_silent_services(conn, T0 - timedelta(minutes=1), T0)
        assert beat(conn, instance("w1", at=T0 + timedelta(seconds=1))) is True
        (row,) = list_services(conn)
    assert row.id == "w1" and row.state == "RUNNING"


def test_remove_and_forget(db):
    with db.begin() as conn:
        beat(conn, instance("w1"))
        beat(conn, instance("w2", at=T0 - timedelta(days=3)))
        claim_silent_services(conn, T0 - timedelta(days=1), T0 - timedelta(days=2))
        remove_service(conn, "w1")
        assert forget_dead_services(conn, T0 - timedelta(days=1)) == 1
        assert list_services(conn, include_dead=True) == []


def test_two_replicas_claiming_at_once_split_the_silent_workers(db):
    with db.begin() as conn:
        for n in range(20):
            beat(conn, instance(f"w{n}", at=T0 - timedelta(minutes=5)))
    claimed: list[list[str]] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        with db.begin() as conn:
            claimed.append([i.id for i in claim_silent_services(conn, T0, T0)])

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [worker for batch in claimed for worker in batch]
    assert sorted(everything) == sorted(f"w{n}" for n in range(20))  # each exactly once


def test_the_database_server_start_time_is_read_where_there_is_a_server(db, backend):
    from podium.common.store.services import database_started_at

    with db.read() as conn:
        first = database_started_at(conn)
    with db.read() as conn:
        again = database_started_at(conn)
    if backend == "sqlite":
        assert first is None and again is None
    else:
        assert first is not None and first == again
        assert first.tzinfo is not None and first <= datetime.now(timezone.utc)
