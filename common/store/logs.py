"""Execution logs: append-only rows with an increasing id, so a follower pages with
`after_id` and never misses or repeats a line. Levels order TRACE < DEBUG < INFO < WARN <
ERROR; `WARNING` is accepted as `WARN`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from podium.common.nul import storable_text
from podium.common.store.database import execute_rows
from podium.common.store.errors import StoreError
from podium.common.store.schema import logs

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
_LEVEL_NO = {name: number for number, name in enumerate(LEVELS)}
_ALIASES = {"WARNING": "WARN", "FATAL": "ERROR", "CRITICAL": "ERROR"}


@dataclass(frozen=True)
class LogEntry:
    execution_id: str
    task_run_id: str | None
    task_id: str | None
    attempt: int | None
    level: str
    message: str
    timestamp: datetime
    namespace: str | None = None
    flow_id: str | None = None


@dataclass(frozen=True)
class LogRecord(LogEntry):
    """A stored log line; `id` grows with every append."""

    id: int = 0


def normalize_level(level: str) -> str:
    name = _ALIASES.get(level.upper(), level.upper())
    if name not in _LEVEL_NO:
        raise StoreError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
    return name


_INSERT = insert(logs)  # built once: the executor appends lines with most events


def append_logs(conn: Connection, entries: Sequence[LogEntry]) -> None:
    if entries:
        execute_rows(conn, _INSERT, log_rows(entries))


def log_rows(entries: Sequence[LogEntry]) -> list[dict[str, Any]]:
    """The rows that append these lines, by column name (the id is the store's)."""
    rows = []
    for entry in entries:
        level = normalize_level(entry.level)
        rows.append({"execution_id": entry.execution_id, "task_run_id": entry.task_run_id,
                     "task_id": entry.task_id, "attempt": entry.attempt, "level": level,
                     "level_no": _LEVEL_NO[level], "message": storable_text(entry.message),
                     "timestamp": entry.timestamp, "namespace": entry.namespace,
                     "flow_id": entry.flow_id})
    return rows


def fetch_logs(conn: Connection, execution_id: str, task_run_id: str | None = None,
               task_id: str | None = None, min_level: str | None = None,
               after_id: int | None = None, limit: int | None = None,
               contains: str | None = None, newest: int | None = None) -> list[LogRecord]:
    """The execution's log lines in append order (by id), optionally filtered: `contains`
    a text in the message (case-insensitive), only the `newest` lines (still in order)."""
    query = select(logs).where(logs.c.execution_id == execution_id)
    if task_run_id is not None:
        query = query.where(logs.c.task_run_id == task_run_id)
    if task_id is not None:
        query = query.where(logs.c.task_id == task_id)
    if min_level is not None:
        query = query.where(logs.c.level_no >= _LEVEL_NO[normalize_level(min_level)])
    if after_id is not None:
        query = query.where(logs.c.id > after_id)
    if contains:
        query = query.where(logs.c.message.icontains(contains, autoescape=True))
    if newest is not None:
        query = query.order_by(logs.c.id.desc()).limit(newest)
    else:
        query = query.order_by(logs.c.id)
        if limit is not None:
            query = query.limit(limit)
    records = [LogRecord(id=row.id, execution_id=row.execution_id,
                         task_run_id=row.task_run_id, task_id=row.task_id,
                         attempt=row.attempt, level=row.level, message=row.message,
                         timestamp=row.timestamp, namespace=row.namespace,
                         flow_id=row.flow_id)
               for row in conn.execute(query)]
    return records[::-1] if newest is not None else records
