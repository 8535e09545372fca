"""Task runs, one row each. An event writes only the task runs it changed:
`update_task_runs` issues one batched UPDATE by primary key for exactly the runs passed, so
an execution with 100,000 task runs is never rewritten whole.

Every write bumps the row's `version` and `updated`, which makes "what did this event
touch" observable (the contract tests rely on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, false, insert, select, true, update

from podium.common.models.execution import TaskRun
from podium.common.models.state import TERMINATED, State
from podium.common.store.database import execute_rows
from podium.common.store.errors import NotFoundError
from podium.common.store.schema import executions, task_runs
from podium.common.store.types import utcnow

_JSON_FIELDS = ("history", "attempts", "outputs", "flowable")
_PLAIN_FIELDS = ("execution_id", "task_id", "parent_task_run_id", "value", "iteration", "seq",
                 "folded")
MUTABLE_COLUMNS = ("parent_task_run_id", "value", "iteration", "seq", "state", "folded", *_JSON_FIELDS)
# Query-parameter chunk for IN lists: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


# Built once (see update_task_runs).
_UPDATE = update(task_runs).where(task_runs.c.id == bindparam("b_id")).values(
    {**{name: bindparam(f"b_{name}") for name in MUTABLE_COLUMNS},
     "updated": bindparam("b_updated"), "version": task_runs.c.version + 1})
_INSERT = insert(task_runs)


def insert_task_runs(conn: Connection, runs: Sequence[TaskRun]) -> None:
    if runs:
        execute_rows(conn, _INSERT, task_run_insert_rows(runs))


def task_run_insert_rows(runs: Sequence[TaskRun]) -> list[dict[str, Any]]:
    """The rows that insert these task runs, by column name."""
    now = utcnow()
    rows = []
    for run in runs:
        values = _values(run)
        values.update(id=run.id, updated=now, version=1)
        rows.append(values)
    return rows


def run_update_rows(runs: Sequence[TaskRun]) -> list[dict[str, Any]]:
    """What an update writes of each of these runs, by column name (`id` says which row;
    the version moves by one in the statement)."""
    now = utcnow()
    rows = []
    for run in runs:
        values = _values(run)
        rows.append({"id": run.id, "updated": now,
                     **{name: values[name] for name in MUTABLE_COLUMNS}})
    return rows


def update_task_runs(conn: Connection, runs: Sequence[TaskRun]) -> int:
    """Write exactly these task runs (by id); returns the number of rows written.
    Raises NotFoundError if one of them was never inserted."""
    if not runs:
        return 0
    params = [{f"b_{name}": value for name, value in row.items()}
              for row in run_update_rows(runs)]
    result = execute_rows(conn, _UPDATE, params)
    written = result.rowcount
    if conn.dialect.supports_sane_multi_rowcount and written != len(runs):
        missing = missing_task_run_ids(conn, [run.id for run in runs])
        if missing:
            raise NotFoundError(f"task runs do not exist: {', '.join(missing)}")
    return written if written >= 0 else len(runs)


def delete_task_runs(conn: Connection, ids: Sequence[str]) -> None:
    """Remove these task runs (a restart drops the runs of `errors` branches)."""
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        conn.execute(delete(task_runs).where(task_runs.c.id.in_(ids[start:start + _CHUNK])))


def load_task_runs(conn: Connection, execution_id: str) -> list[TaskRun]:
    """Every task run of the execution, in creation order (`seq`)."""
    return [_task_run(row) for row in conn.execute(_ALL_RUNS, {"b_execution_id": execution_id})]


def load_live_task_runs(conn: Connection, execution_id: str) -> list[TaskRun]:
    """The executor's working set: the task runs no loop has folded yet, in `seq` order."""
    return [_task_run(row)
            for row in conn.execute(_LIVE_RUNS, {"b_execution_id": execution_id})]


# Built once: an executor that did not decide an execution's last message reads its runs.
_ALL_RUNS = select(task_runs).where(task_runs.c.execution_id == bindparam("b_execution_id")) \
    .order_by(task_runs.c.seq, task_runs.c.id)
_LIVE_RUNS = select(task_runs).where(task_runs.c.execution_id == bindparam("b_execution_id"),
                                     task_runs.c.folded == false()) \
    .order_by(task_runs.c.seq, task_runs.c.id)


def running_task_runs(conn: Connection) -> list[tuple[str, str, int, TaskRun]]:
    """Every RUNNING task run of an execution not ended yet, with that execution's
    (namespace, flow_id, flow_revision): what may have an attempt out on the workers."""
    ended = [state.value for state in TERMINATED]
    query = select(executions.c.namespace, executions.c.flow_id, executions.c.flow_revision,
                   task_runs).join(executions, executions.c.id == task_runs.c.execution_id) \
        .where(executions.c.state.not_in(ended), task_runs.c.folded == false(),
               task_runs.c.state == State.RUNNING.value)
    return [(row.namespace, row.flow_id, row.flow_revision, _task_run(row))
            for row in conn.execute(query)]


def load_task_runs_by_task(conn: Connection, execution_id: str, task_ids: Iterable[str],
                           folded_only: bool = False) -> list[TaskRun]:
    """The execution's task runs of these task ids (only the folded ones if asked), in
    creation order."""
    ids = list(dict.fromkeys(task_ids))
    found: list[TaskRun] = []
    for start in range(0, len(ids), _CHUNK):
        query = select(task_runs).where(task_runs.c.execution_id == execution_id,
                                        task_runs.c.task_id.in_(ids[start:start + _CHUNK]))
        if folded_only:
            query = query.where(task_runs.c.folded == true())
        found.extend(_task_run(row) for row in conn.execute(query))
    return sorted(found, key=lambda run: (run.seq, run.id))


def unfinished_attempts(conn: Connection, task_run_ids: Iterable[str]) -> dict[str, int]:
    """Of `task_run_ids`, those whose task run has not ended, each with its number of
    attempts (the number of the attempt it runs now)."""
    wanted = list(set(task_run_ids))
    if not wanted:
        return {}
    query = select(task_runs.c.id, task_runs.c.attempts).where(
        task_runs.c.id.in_(wanted), task_runs.c.state.not_in([s.value for s in TERMINATED]))
    return {row.id: len(row.attempts or []) for row in conn.execute(query)}


def get_task_run(conn: Connection, task_run_id: str) -> TaskRun | None:
    row = conn.execute(select(task_runs).where(task_runs.c.id == task_run_id)).first()
    return _task_run(row) if row is not None else None


def missing_task_run_ids(conn: Connection, ids: list[str]) -> list[str]:
    present: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        present.update(conn.execute(select(task_runs.c.id).where(
            task_runs.c.id.in_(ids[start:start + _CHUNK]))).scalars())
    return [i for i in ids if i not in present]


def _values(run: TaskRun) -> dict[str, Any]:
    data = run.model_dump(mode="json", include=set(_JSON_FIELDS))
    values = {name: data[name] for name in _JSON_FIELDS}
    values.update({name: getattr(run, name) for name in _PLAIN_FIELDS})
    values["state"] = run.state.value
    return values


def _task_run(row: Any) -> TaskRun:
    data = {name: getattr(row, name) for name in (*_JSON_FIELDS, *_PLAIN_FIELDS)}
    return TaskRun.model_validate({"id": row.id, **data,
                                   "attempts": data["attempts"] or [],
                                   "flowable": data["flowable"] or {}})
