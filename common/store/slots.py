"""Flow concurrency slots, counted from execution states (never from counters that a dead
process could leave wrong): an execution holds a slot while it is running, paused,
retrying or being killed. A per-flow lock serialises the decisions that take or free
slots, so two executors cannot both start the last free slot."""

from __future__ import annotations

import zlib
from datetime import datetime

from sqlalchemy import Connection, func, or_, select, text, update

from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.store.executions import get_execution
from podium.common.store.schema import executions

HOLDING_A_SLOT = (State.RUNNING, State.PAUSED, State.RETRYING, State.RESTARTED, State.KILLING)


def lock_flow_slots(conn: Connection, namespace: str, flow_id: str) -> None:
    """Hold the flow's slot lock until the transaction ends (PostgreSQL advisory lock;
    SQLite's IMMEDIATE transactions already serialise every writer)."""
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"podium-slots:{namespace}.{flow_id}".encode()) - 2**31
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def count_slots_taken(conn: Connection, namespace: str, flow_id: str,
                      excluding: str | None = None) -> int:
    query = select(func.count()).select_from(executions).where(
        executions.c.namespace == namespace, executions.c.flow_id == flow_id,
        executions.c.state.in_([s.value for s in HOLDING_A_SLOT]))
    if excluding:
        query = query.where(executions.c.id != excluding)
    return int(conn.execute(query).scalar_one())


def count_released(conn: Connection, namespace: str, flow_id: str, now: datetime,
                   excluding: str | None = None) -> int:
    """Executions released from the queue whose start has not run yet: a slot is theirs,
    so it is neither released twice nor taken by a newcomer (which would let a younger
    execution start first). A fresh execution is CREATED at version 1; a released one was
    written at least twice (queued, released). Starts scheduled for later are left out."""
    query = select(func.count()).select_from(executions).where(
        executions.c.namespace == namespace, executions.c.flow_id == flow_id,
        executions.c.state == State.CREATED.value, executions.c.version > 1,
        or_(executions.c.schedule_date.is_(None), executions.c.schedule_date <= now))
    if excluding:
        query = query.where(executions.c.id != excluding)
    return int(conn.execute(query).scalar_one())


def oldest_queued(conn: Connection, namespace: str, flow_id: str, limit: int) -> list[str]:
    query = select(executions.c.id).where(
        executions.c.namespace == namespace, executions.c.flow_id == flow_id,
        executions.c.state == State.QUEUED.value
    ).order_by(executions.c.created, executions.c.id).limit(limit)
    return [row.id for row in conn.execute(query)]


def release_queued(conn: Connection, execution_id: str, at: datetime) -> Execution | None:
    """QUEUED -> CREATED, so a StartExecution can take a slot for it (under the flow lock)."""
    queued = get_execution(conn, execution_id)
    if queued is None or queued.state is not State.QUEUED:
        return None
    created = queued.moved_to(State.CREATED, at)
    conn.execute(update(executions).where(executions.c.id == execution_id).values(
        state=created.state.value, history=created.history.model_dump(mode="json"),
        version=executions.c.version + 1))
    return created
