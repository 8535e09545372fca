"""Rows of Kestra's `taskCache`: a task's outputs by (namespace, flow id, cache key).

Only the executor writes them (in the transaction that records the attempt that produced
the outputs); workers read them before running a cached task (common/task_cache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from podium.common.store.schema import task_cache


@dataclass(frozen=True)
class CachedOutputs:
    task_id: str
    outputs: dict[str, Any] | None
    created: datetime


def get_task_cache(conn: Connection, namespace: str, flow_id: str,
                   key: str) -> CachedOutputs | None:
    row = conn.execute(select(task_cache).where(
        task_cache.c.namespace == namespace, task_cache.c.flow_id == flow_id,
        task_cache.c.cache_key == key)).first()
    if row is None:
        return None
    return CachedOutputs(task_id=row.task_id, outputs=row.outputs, created=row.created)


def put_task_cache(conn: Connection, namespace: str, flow_id: str, task_id: str, key: str,
                   outputs: dict[str, Any] | None, now: datetime) -> None:
    """Write (or replace: a stale entry run again is fresh again) the entry."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(task_cache).values(
        namespace=namespace, flow_id=flow_id, cache_key=key, task_id=task_id,
        outputs=outputs, created=now)
    conn.execute(statement.on_conflict_do_update(
        index_elements=[task_cache.c.namespace, task_cache.c.flow_id, task_cache.c.cache_key],
        set_={"task_id": statement.excluded.task_id, "outputs": statement.excluded.outputs,
              "created": statement.excluded.created}))
