"""Service instances: one row per running executor, worker, scheduler or webserver process.

Each process inserts its row when it starts, refreshes `heartbeat_at` (and, for a worker,
the attempts it is running) on every heartbeat, and deletes it when it stops cleanly.
A service whose heartbeat is older than the timeout is *silent*: one executor claims its
row (`claim_silent_services`: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never
claim the same row twice), marks it DEAD and, for a worker, resubmits its attempts in the
same transaction. A worker that was only slow finds its row DEAD at its next heartbeat and
registers again (`beat` re-inserts).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from podium.common.store.schema import service_instances
from podium.common.store.types import utcnow

RUNNING = "RUNNING"
DRAINING = "DRAINING"  # stopping: takes no new work, finishes (or requeues) what it runs
DEAD = "DEAD"  # fell silent; its attempts were resubmitted
LIVE_STATES = (RUNNING, DRAINING)
KINDS = ("executor", "worker", "scheduler", "webserver")


@dataclass(frozen=True)
class ServiceInstance:
    id: str
    kind: str  # executor | worker | scheduler | webserver
    hostname: str
    pid: int
    version: str
    started_at: datetime
    heartbeat_at: datetime
    state: str = RUNNING
    info: dict[str, Any] = field(default_factory=dict)
    # A worker's attempts in flight: {execution_id, task_run_id, attempt} each.
    running: list[dict[str, Any]] = field(default_factory=list)

    def but(self, **changes: Any) -> "ServiceInstance":
        return replace(self, **changes)


def beat(conn: Connection, instance: ServiceInstance) -> bool:
    """Write the instance's heartbeat; insert the row when it is missing or was declared
    DEAD (a worker that was only slow comes back as live). True when the row was inserted."""
    values = {"heartbeat_at": instance.heartbeat_at, "state": instance.state,
              "info": instance.info, "running": instance.running}
    updated = conn.execute(update(service_instances)
                           .where(service_instances.c.id == instance.id,
                                  service_instances.c.state != DEAD)
                           .values(**values)).rowcount
    if updated:
        return False
    conn.execute(delete(service_instances).where(service_instances.c.id == instance.id))
    conn.execute(service_instances.insert().values(**_values(instance)))
    return True


def get_service(conn: Connection, instance_id: str) -> ServiceInstance | None:
    row = conn.execute(select(service_instances)
                       .where(service_instances.c.id == instance_id)).first()
    return _instance(row) if row is not None else None


def remove_service(conn: Connection, instance_id: str) -> None:
    conn.execute(delete(service_instances).where(service_instances.c.id == instance_id))


def list_services(conn: Connection, *, kind: str | None = None,
                  include_dead: bool = False) -> list[ServiceInstance]:
    query = select(service_instances).order_by(service_instances.c.kind,
                                               service_instances.c.started_at)
    if kind is not None:
        query = query.where(service_instances.c.kind == kind)
    if not include_dead:
        query = query.where(service_instances.c.state.in_(LIVE_STATES))
    return [_instance(row) for row in conn.execute(query)]


def claim_silent_services(conn: Connection, silent_since: datetime,
                          now: datetime | None = None) -> list[ServiceInstance]:
    """Live rows whose last heartbeat is older than `silent_since`, marked DEAD in this
    transaction and returned (a worker's with the attempts it was running). Rows another
    transaction holds are skipped, so each silent service is claimed once."""
    query = select(service_instances).where(
        service_instances.c.state.in_(LIVE_STATES),
        service_instances.c.heartbeat_at < silent_since,
    ).with_for_update(skip_locked=True)
    claimed = [_instance(row) for row in conn.execute(query)]
    if claimed:
        conn.execute(update(service_instances)
                     .where(service_instances.c.id.in_([i.id for i in claimed]))
                     .values(state=DEAD, heartbeat_at=now or utcnow()))
    return claimed


def forget_dead_services(conn: Connection, before: datetime) -> int:
    """Delete DEAD rows declared dead before `before` (kept a while for `sys services`)."""
    return conn.execute(delete(service_instances).where(
        service_instances.c.state == DEAD,
        service_instances.c.heartbeat_at < before)).rowcount


def _values(instance: ServiceInstance) -> dict[str, Any]:
    return {"id": instance.id, "kind": instance.kind, "hostname": instance.hostname[:255],
            "pid": instance.pid, "version": instance.version[:32], "state": instance.state,
            "started_at": instance.started_at, "heartbeat_at": instance.heartbeat_at,
            "info": instance.info, "running": instance.running}


def _instance(row: Any) -> ServiceInstance:
    return ServiceInstance(id=row.id, kind=row.kind, hostname=row.hostname, pid=row.pid,
                           version=row.version, started_at=row.started_at,
                           heartbeat_at=row.heartbeat_at, state=row.state,
                           info=row.info or {}, running=row.running or [])


def database_started_at(conn: Connection) -> datetime | None:
    """When the database server last started (PostgreSQL); None on SQLite, which is a file
    in this process, not a server. A change between two reads means the server restarted:
    commits made without waiting for the disk (database.synchronous_commit false) may be
    gone."""
    if conn.dialect.name != "postgresql":
        return None
    started: datetime = conn.exec_driver_sql("SELECT pg_postmaster_start_time()").scalar_one()
    return started
