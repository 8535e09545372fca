"""The scheduler's state of each Schedule / ScheduleOnDates trigger, one row per
(namespace, flow_id, trigger_id).

A scheduler replica changes a row only while holding its lock (`lock_trigger`: `SELECT ...
FOR UPDATE SKIP LOCKED` on PostgreSQL, so a replica never waits for another one's trigger;
SQLite's IMMEDIATE transaction serialises writers already), in the transaction that inserts
the execution for the date it fires. Rows are created with `ensure_trigger`, which leaves an
existing row untouched, so replicas that discover a new trigger at once agree on one row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from podium.common.store.schema import executions, triggers
from podium.common.store.types import utcnow

TriggerKey = tuple[str, str, str]  # (namespace, flow_id, trigger_id)


@dataclass(frozen=True)
class TriggerState:
    namespace: str
    flow_id: str
    trigger_id: str
    fingerprint: str
    last_date: datetime | None = None
    next_date: datetime | None = None
    execution_id: str | None = None
    disabled: bool = False
    backfill: dict[str, Any] | None = None
    updated: datetime | None = None

    @property
    def key(self) -> TriggerKey:
        return (self.namespace, self.flow_id, self.trigger_id)

    def but(self, **changes: Any) -> "TriggerState":
        return replace(self, **changes)


def ensure_trigger(conn: Connection, state: TriggerState) -> bool:
    """Insert the row unless one exists for the key; True when this call inserted it."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(triggers).values(**_values(state)).on_conflict_do_nothing(
        index_elements=["namespace", "flow_id", "trigger_id"]).returning(triggers.c.namespace)
    return conn.execute(statement).first() is not None


def execution_state(conn: Connection, execution_id: str) -> str | None:
    """The state column of an execution (None if it does not exist): what the scheduler
    reads of a trigger's last execution, without loading the execution."""
    return conn.execute(select(executions.c.state)
                        .where(executions.c.id == execution_id)).scalar()


def get_trigger(conn: Connection, key: TriggerKey) -> TriggerState | None:
    row = conn.execute(select(triggers).where(*_where(key))).first()
    return _state(row) if row is not None else None


def lock_trigger(conn: Connection, key: TriggerKey) -> TriggerState | None:
    """The row, locked until the transaction ends; None when it does not exist or another
    transaction holds it (PostgreSQL skips locked rows instead of waiting)."""
    row = conn.execute(select(triggers).where(*_where(key))
                       .with_for_update(skip_locked=True)).first()
    return _state(row) if row is not None else None


def save_trigger(conn: Connection, state: TriggerState) -> None:
    """Write every column of an existing row (the caller holds its lock)."""
    values = _values(state)
    for column in ("namespace", "flow_id", "trigger_id"):
        values.pop(column)
    conn.execute(update(triggers).where(*_where(state.key)).values(values))


def list_triggers(conn: Connection, namespace: str | None = None,
                  flow_id: str | None = None) -> list[TriggerState]:
    query = select(triggers).order_by(triggers.c.namespace, triggers.c.flow_id,
                                      triggers.c.trigger_id)
    if namespace is not None:
        query = query.where(triggers.c.namespace == namespace)
    if flow_id is not None:
        query = query.where(triggers.c.flow_id == flow_id)
    return [_state(row) for row in conn.execute(query)]


def search_triggers(conn: Connection, *, namespace: str | None = None,
                    flow_id: str | None = None, query: str | None = None,
                    limit: int, offset: int = 0) -> tuple[list[TriggerState], int]:
    """One page of rows sorted by key, and how many match in all. `namespace` is a prefix
    (`company` matches `company.team`), `query` a substring of the key's parts."""
    conditions: list[Any] = []
    if namespace:
        conditions.append(or_(triggers.c.namespace == namespace,
                              triggers.c.namespace.like(_escaped(namespace) + ".%",
                                                        escape="\\")))
    if flow_id:
        conditions.append(triggers.c.flow_id == flow_id)
    if query:
        needle = "%" + _escaped(query.lower()) + "%"
        conditions.append(or_(*(func.lower(column).like(needle, escape="\\") for column in
                                (triggers.c.namespace, triggers.c.flow_id,
                                 triggers.c.trigger_id))))
    total = conn.execute(select(func.count()).select_from(triggers).where(*conditions)).scalar()
    rows = conn.execute(select(triggers).where(*conditions)
                        .order_by(triggers.c.namespace, triggers.c.flow_id,
                                  triggers.c.trigger_id).limit(limit).offset(offset))
    return [_state(row) for row in rows], int(total or 0)


def _escaped(text: str) -> str:
    """`text` matched literally by LIKE."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def delete_triggers(conn: Connection, keys: list[TriggerKey]) -> int:
    count = 0
    for key in keys:
        count += conn.execute(delete(triggers).where(*_where(key))).rowcount
    return count


def set_trigger_disabled(conn: Connection, key: TriggerKey, disabled: bool) -> bool:
    """Disable or re-enable a trigger (Kestra's trigger toggle); False if unknown.
    Re-enabling forgets the last execution, so its state (stopAfter) is not held again."""
    values: dict[str, Any] = {"disabled": disabled, "updated": utcnow()}
    if not disabled:
        values["execution_id"] = None
    result = conn.execute(update(triggers).where(*_where(key)).values(values))
    return result.rowcount == 1


def set_trigger_execution(conn: Connection, key: TriggerKey, execution_id: str | None) -> bool:
    """Record the last execution a trigger created (waits for the row's lock); False if the
    trigger is unknown. A polling trigger claims its slot first and fires later."""
    result = conn.execute(update(triggers).where(*_where(key))
                          .values(execution_id=execution_id, updated=utcnow()))
    return result.rowcount == 1


def set_backfill(conn: Connection, key: TriggerKey, start: datetime, end: datetime | None,
                 *, inputs: dict[str, Any] | None = None,
                 labels: dict[str, Any] | None = None, paused: bool = False) -> bool:
    """Ask the scheduler to fire every date of [start, end] (end None: up to now) once more,
    then go on as before. False if the trigger is unknown."""
    backfill = {"start": start.isoformat(), "end": end.isoformat() if end else None,
                "current": start.isoformat(), "inputs": inputs or {}, "labels": labels or {},
                "paused": paused, "requested": utcnow().isoformat()}
    result = conn.execute(update(triggers).where(*_where(key))
                          .values(backfill=backfill, updated=utcnow()))
    return result.rowcount == 1


def _where(key: TriggerKey) -> tuple[Any, ...]:
    namespace, flow_id, trigger_id = key
    return (triggers.c.namespace == namespace, triggers.c.flow_id == flow_id,
            triggers.c.trigger_id == trigger_id)


def _values(state: TriggerState) -> dict[str, Any]:
    return {"namespace": state.namespace, "flow_id": state.flow_id,
            "trigger_id": state.trigger_id, "fingerprint": state.fingerprint,
            "last_date": state.last_date, "next_date": state.next_date,
            "execution_id": state.execution_id, "disabled": state.disabled,
            "backfill": state.backfill, "updated": utcnow()}


def _state(row: Any) -> TriggerState:
    return TriggerState(namespace=row.namespace, flow_id=row.flow_id, trigger_id=row.trigger_id,
                        fingerprint=row.fingerprint, last_date=row.last_date,
                        next_date=row.next_date, execution_id=row.execution_id,
                        disabled=bool(row.disabled), backfill=row.backfill, updated=row.updated)


def due_triggers(conn: Connection, now: datetime) -> list[TriggerState]:
    """Enabled triggers whose next date has come or that have a backfill, earliest first."""
    query = select(triggers).where(
        triggers.c.disabled.is_(False),
        (triggers.c.next_date <= now) | triggers.c.backfill.is_not(None),
    ).order_by(triggers.c.next_date)
    return [_state(row) for row in conn.execute(query)]


def earliest_next_date(conn: Connection) -> datetime | None:
    """The smallest next_date of the enabled triggers."""
    return conn.execute(select(func.min(triggers.c.next_date))
                        .where(triggers.c.disabled.is_(False))).scalar()
