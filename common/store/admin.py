"""Admin reads and deletes for the execution.Count, execution.PurgeExecutions and
log.PurgeLogs tasks. Date ranges are inclusive on both ends (Kestra's greaterOrEqual /
lessOrEqual); executions are dated by their creation time, logs by their timestamp."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, delete, func, or_, select

from podium.common.models.state import State
from podium.common.store.logs import normalize_level
from podium.common.store.schema import (
    execution_labels,
    executions,
    logs,
    loop_values,
    task_runs,
    timers,
)

TERMINATED = tuple(state.value for state in State if state.is_terminated)


def _namespace_clause(column: ColumnElement[str], namespace: str) -> ColumnElement[bool]:
    """The namespace itself or any sub-namespace (Kestra's namespace prefix filter)."""
    return or_(column == namespace, column.like(namespace.replace("%", r"\%").replace(
        "_", r"\_") + ".%", escape="\\"))


def execution_counts(conn: Connection, flows: Iterable[tuple[str, str]] | None = None,
                     namespaces: Iterable[str] | None = None,
                     states: Iterable[State | str] | None = None,
                     start: datetime | None = None,
                     end: datetime | None = None) -> list[tuple[str, str | None, int]]:
    """Kestra's executionCounts: one (namespace, flow_id, count) per listed flow (0 when
    none), then one (namespace, None, count) per namespace that has executions."""
    flows = list(flows or [])
    namespaces = list(namespaces or [])
    scope: list[ColumnElement[bool]] = [
        (executions.c.namespace == ns) & (executions.c.flow_id == fid) for ns, fid in flows]
    scope += [executions.c.namespace == ns for ns in namespaces]
    if not scope:
        return []
    query = select(executions.c.namespace, executions.c.flow_id, func.count()).where(or_(*scope))
    if start is not None:
        query = query.where(executions.c.created >= start)
    if end is not None:
        query = query.where(executions.c.created <= end)
    if states is not None:
        query = query.where(executions.c.state.in_([State(s).value for s in states]))
    rows = conn.execute(query.group_by(executions.c.namespace, executions.c.flow_id)).all()
    found = {(ns, fid): int(n) for ns, fid, n in rows}
    result: list[tuple[str, str | None, int]] = [(ns, fid, found.get((ns, fid), 0))
                                                 for ns, fid in flows]
    if namespaces:
        per_namespace: dict[str, int] = {}
        for (ns, _), n in found.items():
            if ns in namespaces:
                per_namespace[ns] = per_namespace.get(ns, 0) + n
        result += [(ns, None, n) for ns, n in per_namespace.items()]
    return result


def purge_executions(conn: Connection, namespace: str | None = None,
                     flow_id: str | None = None, start: datetime | None = None,
                     end: datetime | None = None, states: Iterable[State | str] | None = None,
                     *, purge_executions: bool = True, purge_logs: bool = True,
                     selected: list[tuple[str, str, str]] | None = None) -> tuple[int, int]:
    """Delete the terminated executions created in [start, end] of the namespace (prefix)
    and flow, in `states` (any terminated state when None), with their task runs, labels
    and timers; and their logs. Returns (executions deleted, logs deleted). Executions that
    are not terminated are never touched. `selected` receives (namespace, flow id, id) of
    every execution the filters chose (for the caller to purge their stored files)."""
    clauses: list[ColumnElement[bool]] = [executions.c.state.in_(TERMINATED)]
    if namespace is not None:
        clauses.append(_namespace_clause(executions.c.namespace, namespace))
    if flow_id is not None:
        clauses.append(executions.c.flow_id == flow_id)
    if start is not None:
        clauses.append(executions.c.created >= start)
    if end is not None:
        clauses.append(executions.c.created <= end)
    if states is not None:
        clauses.append(executions.c.state.in_([State(s).value for s in states]))
    rows = conn.execute(select(executions.c.id, executions.c.namespace,
                               executions.c.flow_id).where(*clauses)).all()
    ids = [row.id for row in rows]
    if selected is not None:
        selected.extend((row.namespace, row.flow_id, row.id) for row in rows)
    n_executions = n_logs = 0
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        if purge_logs:
            n_logs += conn.execute(delete(logs).where(logs.c.execution_id.in_(chunk))).rowcount
        if purge_executions:
            for table in (timers, loop_values, task_runs, execution_labels):
                conn.execute(delete(table).where(table.c.execution_id.in_(chunk)))
            n_executions += conn.execute(
                delete(executions).where(executions.c.id.in_(chunk))).rowcount
    return n_executions, n_logs


def purge_logs(conn: Connection, namespace: str | None = None, flow_id: str | None = None,
               levels: Iterable[str] | None = None, start: datetime | None = None,
               end: datetime | None = None) -> int:
    """Delete the log lines of the namespace (exact) and flow with a timestamp in
    [start, end] and one of `levels` (any when None); returns how many."""
    query = delete(logs)
    if namespace is not None:
        query = query.where(logs.c.namespace == namespace)
    if flow_id is not None:
        query = query.where(logs.c.flow_id == flow_id)
    if levels is not None:
        query = query.where(logs.c.level.in_([normalize_level(str(getattr(lvl, "value", lvl)))
                                              for lvl in levels]))
    if start is not None:
        query = query.where(logs.c.timestamp >= start)
    if end is not None:
        query = query.where(logs.c.timestamp <= end)
    return int(conn.execute(query).rowcount)
