"""Timers the executor owns: retry delays, pause delays and timeouts, scheduled starts.

A timer is (id, execution_id, kind, fire_at, payload). `add_timer` is idempotent on the
timer id: adding an existing id changes nothing, so a re-processed event cannot double a
timer. The firing loop takes due timers (SKIP LOCKED on PostgreSQL), emits a TimerFired
message for each (through the outbox) and defers them (`defer_timers`), in one
transaction. The executor deletes a timer when it handles its TimerFired: a message lost
with a dead executor is thus sent again when the deferral ends, and a TimerFired whose
timer is gone was handled already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from podium.common.models.execution import new_id
from podium.common.store.schema import timers
from podium.common.store.types import utcnow


@dataclass(frozen=True)
class Timer:
    id: str
    execution_id: str
    kind: str
    fire_at: datetime
    payload: dict[str, Any]


def add_timer(conn: Connection, execution_id: str, fire_at: datetime, kind: str,
              payload: dict[str, Any] | None = None, timer_id: str | None = None) -> str:
    """Store a timer and return its id; an existing `timer_id` is left as it is."""
    timer_id = timer_id or new_id()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(timers).values(
        id=timer_id, execution_id=execution_id, kind=kind, fire_at=fire_at,
        payload=payload or {}, created=utcnow()).on_conflict_do_nothing(index_elements=["id"])
    conn.execute(statement)
    return timer_id


def take_due_timers(conn: Connection, now: datetime, limit: int = 100) -> list[Timer]:
    """Timers with fire_at <= now, earliest first, locked for this transaction."""
    query = select(timers).where(timers.c.fire_at <= now) \
        .order_by(timers.c.fire_at, timers.c.id).limit(limit).with_for_update(skip_locked=True)
    return [_timer(row) for row in conn.execute(query)]


def get_timer(conn: Connection, timer_id: str) -> Timer | None:
    row = conn.execute(select(timers).where(timers.c.id == timer_id)).first()
    return _timer(row) if row is not None else None


def list_timers(conn: Connection, execution_id: str, kind: str | None = None) -> list[Timer]:
    query = select(timers).where(timers.c.execution_id == execution_id)
    if kind is not None:
        query = query.where(timers.c.kind == kind)
    return [_timer(row) for row in conn.execute(query.order_by(timers.c.fire_at, timers.c.id))]


def defer_timers(conn: Connection, timer_ids: list[str], until: datetime) -> None:
    """Move these timers' fire_at to `until` (fired: due again only if not handled)."""
    if timer_ids:
        conn.execute(update(timers).where(timers.c.id.in_(timer_ids)).values(fire_at=until))


def delete_timer(conn: Connection, timer_id: str) -> bool:
    """True if the timer existed."""
    return conn.execute(delete(timers).where(timers.c.id == timer_id)).rowcount > 0


def delete_timers(conn: Connection, execution_id: str, kind: str | None = None) -> int:
    """Delete the execution's timers (of one kind, if given); returns how many."""
    statement = delete(timers).where(timers.c.execution_id == execution_id)
    if kind is not None:
        statement = statement.where(timers.c.kind == kind)
    return conn.execute(statement).rowcount


def next_timer_at(conn: Connection) -> datetime | None:
    """When the earliest timer fires, so the firing loop can sleep until then."""
    return conn.execute(select(func.min(timers.c.fire_at))).scalar_one_or_none()


def _timer(row: Any) -> Timer:
    return Timer(row.id, row.execution_id, row.kind, row.fire_at, row.payload)
