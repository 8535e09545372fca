"""Writes sent to the store together: a deciding transaction's execution row, task runs,
log lines and outbox messages (`write_together`), and a new execution with its labels and
its StartExecution (`insert_execution_with_messages`).

On PostgreSQL the rows they write go in one statement: each kind of row travels as one
JSON array parameter, unpacked by `json_populate_recordset` in a data-modifying CTE of its
own. The executor writes four or five kinds with most messages: one round trip instead of
as many. Several updated task runs or executions, and an execution whose labels changed,
are statements by primary key (see `write_together`). Elsewhere
(SQLite, the embedded store) each kind is its own statement; both paths store the same
rows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from podium.common.models.execution import Execution, TaskRun
from podium.common.store.errors import NotFoundError
from podium.common.store.executions import MUTABLE_COLUMNS as EXECUTION_COLUMNS
from podium.common.store.executions import (
    execution_insert_row,
    execution_update_row,
    insert_execution,
    label_rows,
    update_execution,
)
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
# An execution whose row is rewritten (its version already moved by its lock), and whether
# its labels changed.
ExecutionRow = tuple[Execution, bool]


def write_together(conn: Connection, created: Sequence[TaskRun], updated: Sequence[TaskRun],
                   entries: Sequence[LogEntry], messages: Messages,
                   executions: Sequence[ExecutionRow] = ()) -> list[int]:
    """Rewrite the rows of `executions`, insert `created`, update `updated` (NotFoundError
    if one of them was never inserted), append `entries` and enqueue `messages`; returns
    the messages' outbox ids, in order."""
    if conn.dialect.name != "postgresql":
        _update_executions(conn, executions)
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
    # One execution whose labels stay goes in the statement, found by its key as a run is.
    execution = [execution_update_row(executions[0][0])] \
        if len(executions) == 1 and not executions[0][1] else []
    if not execution:
        _update_executions(conn, executions)
    rows = {"execution_update": execution, "updated": alone,
            "created": task_run_insert_rows(created),
            "logs": log_rows(entries), "messages": outbox_rows(messages)}
    extra = {"updated_id": updated[0].id} if alone else {}
    if execution:
        extra["execution_id"] = executions[0][0].id
    ids, changed = _in_one_statement(conn, rows, extra)
    if alone and not changed.runs:
        raise NotFoundError(f"task runs do not exist: {updated[0].id}")
    if execution and not changed.executions:
        raise NotFoundError(f"execution {executions[0][0].id} does not exist")
    return ids


def _update_executions(conn: Connection, executions: Sequence[ExecutionRow]) -> None:
    for execution, labels_changed in executions:
        update_execution(conn, execution, labels_changed=labels_changed, bump_version=False)


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


class _Changed(NamedTuple):
    runs: int
    executions: int


def _in_one_statement(conn: Connection, rows: dict[str, list[dict[str, Any]]],
                      extra: dict[str, Any] | None = None) -> tuple[list[int], _Changed]:
    """Write the non-empty parts of `rows` in one statement: the outbox ids, in order, and
    how many rows the update parts changed."""
    present = tuple(part for part in rows if rows[part])
    if not present:
        return [], _Changed(0, 0)
    parameters = {part: _json(rows[part]) for part in present}
    result = conn.execute(_statement(present), {**parameters, **(extra or {})}).one()
    # Drawn from the sequence in the order of the rows (ORDER BY ordinality): sorted, they
    # pair with the messages in order, whatever another session drew meanwhile.
    return sorted(result.ids or []), _Changed(result.changed, result.changed_execution)


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
    changed_execution = "(SELECT count(*) FROM changed_execution)" \
        if "execution_update" in present else "0"
    return text(f"WITH {', '.join(ctes)} SELECT {ids} AS ids, {changed} AS changed, "
                f"{changed_execution} AS changed_execution")


def _columns(table: Any, *, skip: tuple[str, ...] = ()) -> str:
    return ", ".join(column.name for column in table.columns if column.name not in skip)


def _rows_of(table: str, parameter: str) -> str:
    return (f"json_populate_recordset(NULL::{table}, CAST(:{parameter} AS json)) "
            f"WITH ORDINALITY AS r")


_RUN_COLUMNS = _columns(task_runs)
_EXECUTION_COLUMNS = _columns(executions)
_LOG_COLUMNS = _columns(logs, skip=("id",))
_SET_RUN = ", ".join(f"{name} = r.{name}" for name in (*MUTABLE_COLUMNS, "updated"))
_SET_EXECUTION = ", ".join(f"{name} = r.{name}" for name in EXECUTION_COLUMNS)
_CTES = {
    # Its one execution by its key alone, as the one updated run below.
    "execution_update": f"changed_execution AS (UPDATE executions AS t SET {_SET_EXECUTION} "
                        f"FROM {_rows_of('executions', 'execution_update')} "
                        f"WHERE t.id = :execution_id RETURNING t.id)",
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
