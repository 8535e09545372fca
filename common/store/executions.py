"""Executions: one row each, pinned to the flow revision they started on.

The state and the columns the API filters on (namespace, flow_id, state, created) are real,
indexed columns; history, inputs, outputs, labels, variables, trigger and the executor's
own state (`engine`) are JSON. Labels
are also kept one row each in `execution_labels` so label filters are indexed joins.
Task runs live in their own table (`common.store.task_runs`); nothing here touches them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.store.errors import NotFoundError
from podium.common.store.schema import execution_labels, executions, timers
from podium.common.store.types import utcnow

_JSON_FIELDS = ("history", "inputs", "outputs", "labels", "variables", "trigger")
_PLAIN_FIELDS = ("namespace", "flow_id", "flow_revision", "parent_id", "original_id",
                 "attempt_number", "original_created_date", "schedule_date", "error")


_INSERT = insert(executions)  # built once: every submission runs it


def insert_execution(conn: Connection, execution: Execution) -> None:
    conn.execute(_INSERT, execution_insert_row(execution))
    _write_labels(conn, execution.id, execution.labels)


def execution_insert_row(execution: Execution) -> dict[str, Any]:
    """The row that inserts this execution, by column name."""
    now = utcnow()
    values = _values(execution)
    values.update(id=execution.id, created=_created_at(execution) or now, updated=now,
                  version=1)
    return values


# What `update_execution` rewrites of an execution's row (its version moves elsewhere).
MUTABLE_COLUMNS = (*_JSON_FIELDS, *_PLAIN_FIELDS, "state", "engine", "updated")


def execution_update_row(execution: Execution) -> dict[str, Any]:
    """What `update_execution` writes of this execution, by column name."""
    return {**_values(execution), "id": execution.id, "updated": utcnow()}


def label_rows(execution: Execution) -> list[dict[str, Any]]:
    """The `execution_labels` rows of this execution's labels (one per key)."""
    return [{"execution_id": execution.id, "key": key, "value": value}
            for key, value in _label_pairs(execution.labels).items()]


def _created_at(execution: Execution) -> datetime | None:
    """When this execution was created: its last CREATED entry. A replay from a task run
    carries its source's history first (its start is the source's, as in Kestra), yet it
    lists as the newest execution, not among its source's neighbours."""
    return next((entry.date for entry in reversed(execution.history.histories)
                 if entry.state is State.CREATED), execution.history.start_date)


def get_execution(conn: Connection, execution_id: str) -> Execution | None:
    row = conn.execute(_GET, {"b_execution_id": execution_id}).first()
    return _execution(row) if row is not None else None


def lock_execution(conn: Connection, execution_id: str) -> Execution | None:
    """Read the execution and hold its row lock until the transaction ends (PostgreSQL
    `SELECT ... FOR UPDATE`; on SQLite the IMMEDIATE transaction already excludes writers)."""
    row = conn.execute(select(executions).where(executions.c.id == execution_id)
                       .with_for_update()).first()
    return _execution(row) if row is not None else None


def lock_executions(conn: Connection, execution_ids: Iterable[str]) -> None:
    """Take the row locks of several executions, in id order (PostgreSQL `SELECT ... FOR
    UPDATE`; SQLite's IMMEDIATE transaction already excludes writers): two transactions
    locking overlapping sets this way never wait on each other in a cycle."""
    ids = sorted(set(execution_ids))
    if ids:
        conn.execute(_LOCK_MANY, {"b_ids": ids}).all()


def lock_and_bump_executions(conn: Connection, execution_ids: Iterable[str]) -> dict[str, int]:
    """`lock_executions`, then move each one's version as `lock_and_bump_execution` does,
    in one more statement for them all: execution id -> its new version (an id with no row
    is absent). Read each one with `bumped_execution`."""
    ids = sorted(set(execution_ids))
    if not ids:
        return {}
    lock_executions(conn, ids)
    rows = conn.execute(_BUMP_MANY, {"b_ids": ids})
    return {row.id: row.version for row in rows}


def bumped_execution(conn: Connection, execution_id: str, version: int,
                     known: Execution | None) -> Execution | None:
    """The execution whose row this transaction locked and moved to `version`: `known`
    (as the caller last wrote it) while nobody wrote the row since, else the row read."""
    if known is not None and version == known.version + 1:
        return known.model_copy(update={"version": version})
    return get_execution(conn, execution_id)


def unbump_execution(conn: Connection, execution_id: str) -> None:
    """Take back `lock_and_bump_execution`'s version move within the transaction that made
    it (the row lock stays held): the row is as it was for whoever reads it next."""
    conn.execute(_UNBUMP, {"b_execution_id": execution_id})


def update_execution(conn: Connection, execution: Execution,
                     labels_changed: bool | None = None, bump_version: bool = True) -> None:
    """Rewrite the execution's own row (never its task runs). Raises NotFoundError.
    `labels_changed=False` skips comparing the labels with the stored ones;
    `bump_version=False` when `lock_and_bump_execution` already moved the version."""
    values = {f"b_{name}": value for name, value in _values(execution).items()}
    values.update(b_id=execution.id, b_updated=utcnow())
    result = conn.execute(_UPDATE_AND_BUMP if bump_version else _UPDATE, values)
    if result.rowcount == 0:
        raise NotFoundError(f"execution {execution.id} does not exist")
    if labels_changed is False:
        return
    if _label_pairs(execution.labels) != _stored_labels(conn, execution.id):
        conn.execute(delete(execution_labels).where(
            execution_labels.c.execution_id == execution.id))
        _write_labels(conn, execution.id, execution.labels)


# Built once: the executor runs them for every message, and building a statement costs
# more Python than running a cached one.
_GET = select(executions).where(executions.c.id == bindparam("b_execution_id"))
_LOCK_MANY = select(executions.c.id) \
    .where(executions.c.id.in_(bindparam("b_ids", expanding=True))) \
    .order_by(executions.c.id).with_for_update()
_BUMP_MANY = update(executions) \
    .where(executions.c.id.in_(bindparam("b_ids", expanding=True))) \
    .values(version=executions.c.version + 1) \
    .returning(executions.c.id, executions.c.version)
_LOCK_AND_BUMP = update(executions).where(executions.c.id == bindparam("b_execution_id")) \
    .values(version=executions.c.version + 1).returning(*executions.c)
_UNBUMP = update(executions).where(executions.c.id == bindparam("b_execution_id")) \
    .values(version=executions.c.version - 1)
_LOCK_AND_BUMP_VERSION = update(executions) \
    .where(executions.c.id == bindparam("b_execution_id")) \
    .values(version=executions.c.version + 1).returning(executions.c.version)


def _update_statement(bump_version: bool) -> Any:
    values: dict[str, Any] = {name: bindparam(f"b_{name}") for name in MUTABLE_COLUMNS}
    if bump_version:
        values["version"] = executions.c.version + 1
    return update(executions).where(executions.c.id == bindparam("b_id")).values(values)


_UPDATE_AND_BUMP = _update_statement(bump_version=True)
_UPDATE = _update_statement(bump_version=False)


def lock_and_bump_execution(conn: Connection, execution_id: str,
                            known: Execution | None = None) -> Execution | None:
    """Lock the execution's row and move its version in one round trip (an UPDATE takes
    the row lock): the executor writes every execution it handles anyway. The returned
    execution carries the new version.

    `known`: the execution as the caller last wrote it. If the row is still at its version
    (nobody wrote it since), that is what is returned, and the row's JSON is neither sent
    nor parsed; otherwise the row is read."""
    if known is None:
        row = conn.execute(_LOCK_AND_BUMP, {"b_execution_id": execution_id}).first()
        return _execution(row) if row is not None else None
    version = conn.execute(_LOCK_AND_BUMP_VERSION, {"b_execution_id": execution_id}).scalar()
    if version is None:
        return None
    return bumped_execution(conn, execution_id, version, known)


def list_executions(conn: Connection, namespace: str | None = None, flow_id: str | None = None,
                    states: Iterable[State | str] | None = None,
                    labels: Mapping[str, Any] | None = None, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50,
                    offset: int = 0) -> list[Execution]:
    """Newest first. `labels` must all match; `since` inclusive and `until` exclusive on the
    creation time."""
    query = select(executions).where(*_filters(namespace, flow_id, states, labels, since,
                                               until))
    query = query.order_by(executions.c.created.desc(), executions.c.id.desc())
    return [_execution(row) for row in conn.execute(query.limit(limit).offset(offset))]


def startable_created_ids(conn: Connection, now: datetime) -> list[str]:
    """CREATED executions due to start (no later scheduleDate) and waiting on no timer:
    what only a StartExecution message can move on."""
    waiting = select(timers.c.id).where(timers.c.execution_id == executions.c.id).exists()
    query = select(executions.c.id).where(
        executions.c.state == State.CREATED.value,
        or_(executions.c.schedule_date.is_(None), executions.c.schedule_date <= now),
        ~waiting)
    return list(conn.execute(query).scalars())


def running_ids(conn: Connection, execution_ids: Iterable[str]) -> set[str]:
    """Those of `execution_ids` whose execution exists and has not ended."""
    wanted = list(set(execution_ids))
    if not wanted:
        return set()
    query = select(executions.c.id).where(
        executions.c.id.in_(wanted),
        executions.c.state.not_in([state.value for state in State if state.is_terminated]))
    return set(conn.execute(query).scalars())


def list_children(conn: Connection, parent_id: str, running: bool = False,
                  limit: int | None = None) -> list[Execution]:
    """Executions whose `parent_id` is this one (subflow children, retry attempts), oldest
    first; `running`: only those not terminated yet; `limit`: the first that many."""
    query = select(executions).where(executions.c.parent_id == parent_id)
    if running:
        query = query.where(executions.c.state.not_in(
            [state.value for state in State if state.is_terminated]))
    query = query.order_by(executions.c.created, executions.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [_execution(row) for row in conn.execute(query)]


def count_executions(conn: Connection, namespace: str | None = None,
                     flow_id: str | None = None,
                     states: Iterable[State | str] | None = None,
                     labels: Mapping[str, Any] | None = None, since: datetime | None = None,
                     until: datetime | None = None, cap: int | None = None) -> int:
    """How many executions `list_executions` would return with the same filters and no
    limit; with `cap`, counting stops there (a count of a million rows is a full scan)."""
    matching = select(executions.c.id).where(
        *_filters(namespace, flow_id, states, labels, since, until))
    if cap is not None:
        matching = matching.limit(cap)
    query = select(func.count()).select_from(matching.subquery())
    return int(conn.execute(query).scalar_one())


def _filters(namespace: str | None, flow_id: str | None,
             states: Iterable[State | str] | None, labels: Mapping[str, Any] | None,
             since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if namespace is not None:
        clauses.append(executions.c.namespace == namespace)
    if flow_id is not None:
        clauses.append(executions.c.flow_id == flow_id)
    if states is not None:
        clauses.append(executions.c.state.in_([State(s).value for s in states]))
    if since is not None:
        clauses.append(executions.c.created >= since)
    if until is not None:
        clauses.append(executions.c.created < until)
    for key, value in (labels or {}).items():
        clauses.append(select(execution_labels.c.execution_id).where(and_(
            execution_labels.c.execution_id == executions.c.id,
            execution_labels.c.key == key,
            execution_labels.c.value == _label_text(value))).exists())
    return clauses


def _values(execution: Execution) -> dict[str, Any]:
    data = execution.model_dump(mode="json", include=set(_JSON_FIELDS))
    values = {name: data[name] for name in _JSON_FIELDS}
    values.update({name: getattr(execution, name) for name in _PLAIN_FIELDS})
    values["state"] = execution.state.value
    values["engine"] = execution.engine.stored()
    return values


def _execution(row: Any) -> Execution:
    data = {name: getattr(row, name) for name in (*_JSON_FIELDS, *_PLAIN_FIELDS)}
    return Execution.model_validate({"id": row.id, **data, "engine": row.engine,
                                     "version": row.version,
                                     "inputs": data["inputs"] or {},
                                     "labels": data["labels"] or []})


def _label_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _label_pairs(labels: list[dict[str, Any]]) -> dict[str, str]:
    return {str(label["key"]): _label_text(label.get("value")) for label in labels
            if "key" in label}


def _stored_labels(conn: Connection, execution_id: str) -> dict[str, str]:
    rows = conn.execute(select(execution_labels.c.key, execution_labels.c.value).where(
        execution_labels.c.execution_id == execution_id))
    return {key: value for key, value in rows}


def _write_labels(conn: Connection, execution_id: str, labels: list[dict[str, Any]]) -> None:
    pairs = _label_pairs(labels)
    if pairs:
        conn.execute(insert(execution_labels), [
            {"execution_id": execution_id, "key": key, "value": value}
            for key, value in pairs.items()])
