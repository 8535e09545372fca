"""Writes sent to the store together: a deciding transaction's task runs, log lines and
outbox messages (`write_together`), and a new execution with its labels and its
StartExecution (`insert_execution_with_messages`).

On PostgreSQL the rows they insert go in one statement: each kind of row travels as one
JSON array parameter, unpacked by `json_populate_recordset` in a data-modifying CTE of its
own. The executor writes four kinds with most messages: one round trip instead of four.
Several updated task runs are statements by primary key (see `write_together`). Elsewhere
(SQLite, the embedded store) each kind is its own statement; both paths store the same
rows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from podium.common.models.execution import Execution, TaskRun
from podium.common.store.errors import NotFoundError
from podium.common.store.executions import execution_insert_row, insert_execution, label_rows
from podium.common.store.logs import LogEntry, append_logs, log_rows
from podium.common.store.outbox import enqueue_messages, outbox_rows
from podium.common.store.schema import executions, logs, task_runs
from podium.common.store.task_runs import (
    MUTABLE_COLUMNS,
    insert_task_runs,
    run_update_rows,
    task_run_insert_rows,
    update_task_runs,
)
from podium.common.store.types import NaiveDatetimeError

Messages = Sequence[tuple[str, dict[str, Any]]]


def write_together(conn: Connection, created: Sequence[TaskRun], updated: Sequence[TaskRun],
                   entries: Sequence[LogEntry], messages: Messages) -> list[int]:
    """Insert `created`, update `updated` (NotFoundError if one was never inserted), append
    `entries` and enqueue `messages`; returns the messages' outbox ids, in order."""
    if conn.dialect.name != "postgresql":
        update_task_runs(conn, updated)
        insert_task_runs(conn, created)
        append_logs(conn, entries)
        return enqueue_messages(conn, messages)
    # Several updated runs are one statement by primary key per run: joined to a
    # set-returning function, an UPDATE's cached plan is the one made while the table was
    # small, a sequential scan that then grows with every run stored. One updated run (a
    # dependent step) is found by its key in the statement itself.
    alone = run_update_rows(updated) if len(updated) == 1 else []
    if not alone:
        update_task_runs(conn, updated)
    rows = {"updated": alone, "created": task_run_insert_rows(created),
            "logs": log_rows(entries), "messages": outbox_rows(messages)}
    extra = {"updated_id": updated[0].id} if alone else {}
    ids, changed = _in_one_statement(conn, rows, extra)
    if alone and not changed:
        raise NotFoundError(f"task runs do not exist: {updated[0].id}")
    return ids


def insert_execution_with_messages(conn: Connection, execution: Execution,
                                   messages: Messages) -> list[int]:
    """Insert a new execution, its labels, and enqueue `messages`; returns the messages'
    outbox ids, in order. An id that exists raises the database's IntegrityError."""
    if conn.dialect.name != "postgresql":
        insert_execution(conn, execution)
        return enqueue_messages(conn, messages)
    rows = {"execution": [execution_insert_row(execution)], "labels": label_rows(execution),
            "messages": outbox_rows(messages)}
    return _in_one_statement(conn, rows)[0]


def _in_one_statement(conn: Connection, rows: dict[str, list[dict[str, Any]]],
                      extra: dict[str, Any] | None = None) -> tuple[list[int], int]:
    """Write the non-empty parts of `rows` in one statement: the outbox ids, in order, and
    how many runs the update part changed."""
    present = tuple(part for part in rows if rows[part])
    if not present:
        return [], 0
    parameters = {part: _json(rows[part]) for part in present}
    result = conn.execute(_statement(present), {**parameters, **(extra or {})}).one()
    # Drawn from the sequence in the order of the rows (ORDER BY ordinality): sorted, they
    # pair with the messages in order, whatever another session drew meanwhile.
    return sorted(result.ids or []), result.changed


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_encode, separators=(",", ":"))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(value)  # as the UTCDateTime columns refuse one
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@functools.lru_cache(maxsize=32)
def _statement(present: tuple[str, ...]) -> Any:
    """The statement inserting the parts `present` (built once per combination: psycopg
    prepares a statement it sees often, by its text)."""
    ctes = [_CTES[part] for part in present]
    ids = "ARRAY(SELECT id FROM sent ORDER BY id)" if "messages" in present else "NULL"
    changed = "(SELECT count(*) FROM changed_run)" if "updated" in present else "0"
    return text(f"WITH {', '.join(ctes)} SELECT {ids} AS ids, {changed} AS changed")


def _columns(table: Any, *, skip: tuple[str, ...] = ()) -> str:
    return ", ".join(column.name for column in table.columns if column.name not in skip)


def _rows_of(table: str, parameter: str) -> str:
    return (f"json_populate_recordset(NULL::{table}, CAST(:{parameter} AS json)) "
            f"WITH ORDINALITY AS r")


_RUN_COLUMNS = _columns(task_runs)
_EXECUTION_COLUMNS = _columns(executions)
_LOG_COLUMNS = _columns(logs, skip=("id",))
_SET_RUN = ", ".join(f"{name} = r.{name}" for name in (*MUTABLE_COLUMNS, "updated"))
_CTES = {
    # Its one run by its key alone: the plan stays an index lookup (see write_together).
    "updated": f"changed_run AS (UPDATE task_runs AS t SET {_SET_RUN}, version = t.version + 1 "
               f"FROM {_rows_of('task_runs', 'updated')} WHERE t.id = :updated_id "
               f"RETURNING t.id)",
    "created": f"new_runs AS (INSERT INTO task_runs ({_RUN_COLUMNS}) SELECT {_RUN_COLUMNS} "
               f"FROM {_rows_of('task_runs', 'created')} ORDER BY r.ordinality)",
    "logs": f"new_logs AS (INSERT INTO logs ({_LOG_COLUMNS}) SELECT {_LOG_COLUMNS} "
            f"FROM {_rows_of('logs', 'logs')} ORDER BY r.ordinality)",
    # A label row's execution is inserted by the same statement: foreign keys are checked
    # at its end.
    "execution": f"new_execution AS (INSERT INTO executions ({_EXECUTION_COLUMNS}) "
                 f"SELECT {_EXECUTION_COLUMNS} FROM {_rows_of('executions', 'execution')})",
    "labels": f"new_labels AS (INSERT INTO execution_labels (execution_id, key, value) "
              f"SELECT execution_id, key, value FROM {_rows_of('execution_labels', 'labels')})",
    "messages": f"sent AS (INSERT INTO outbox (queue, payload, created) "
                f"SELECT queue, payload, created FROM {_rows_of('outbox', 'messages')} "
                f"ORDER BY r.ordinality RETURNING id)",
}
