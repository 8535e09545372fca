"""Triggers: search the scheduler's trigger rows (common/store/triggers.py) and the
operator's actions on them: enable, disable, start / pause / delete a backfill, unlock.
The API (api/triggers.py) and `podium trigger` both go through here. Each operation takes
the parts (podium/application/parts.py) or just the Database: it needs nothing else, and
`podium trigger` opens only a database.

Each change takes the row's lock (`lock_trigger`), as a scheduler replica does, so it never
interleaves with an evaluation that would write the row back over it. A row a scheduler
holds is retried for a moment (PostgreSQL skips locked rows instead of waiting).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from podium.application import executions, flows
from podium.application.parts import Parts
from podium.common.errors import PodiumError
from podium.common.models.state import State
from podium.common.store import Database, TriggerState, running_ids
from podium.common.store.errors import NotFoundError
from podium.common.store.triggers import (
    TriggerKey,
    get_trigger,
    list_triggers,
    lock_trigger,
    save_trigger,
    search_triggers,
    set_backfill,
    set_trigger_disabled,
)

LOCK_WAIT_SECONDS = 2.0


def _database(store: Parts | Database) -> Database:
    return store if isinstance(store, Database) else store.db


def find_triggers(store: Parts | Database, namespace: str | None = None, flow_id: str | None = None,
                  query: str | None = None) -> list[TriggerState]:
    """Rows sorted by key. `namespace` is a prefix (Kestra's filter: `company` matches
    `company.team`); `query` a substring of the namespace, flow id or trigger id."""
    with _database(store).read() as conn:
        rows = list_triggers(conn, flow_id=flow_id or None)
        rows = _forget_ended_executions(conn, rows)
    if namespace:
        rows = [r for r in rows if r.namespace == namespace
                or r.namespace.startswith(namespace + ".")]
    if query:
        needle = query.lower()
        rows = [r for r in rows if any(needle in part.lower() for part in r.key)]
    return rows


def _forget_ended_executions(conn: Any, rows: list[TriggerState]) -> list[TriggerState]:
    """The rows as Kestra shows them: an execution that ended no longer holds its trigger
    (Kestra resets it when the execution ends; the scheduler here forgets it at its next
    evaluation, which may be a while or never if no scheduler runs)."""
    live = running_ids(conn, [row.execution_id for row in rows if row.execution_id])
    return [row if row.execution_id is None or row.execution_id in live
            else row.but(execution_id=None) for row in rows]


def search_page(store: Parts | Database, *, namespace: str | None = None,
                flow_id: str | None = None, query: str | None = None, limit: int,
                offset: int = 0) -> tuple[list[TriggerState], int]:
    """`find_triggers` one page at a time, filtered by the database: (rows, total)."""
    with _database(store).read() as conn:
        return search_triggers(conn, namespace=namespace or None, flow_id=flow_id or None,
                               query=query or None, limit=limit, offset=offset)


@dataclass(frozen=True)
class TriggerView:
    """A row as a page shows it: the trigger's type in the flow's latest revision (None
    when the flow or the trigger is gone) and the state of the execution it last created
    (None when there is none); `locked` while that execution has not ended, since the
    trigger waits for it (`unlock` stops the wait)."""
    state: TriggerState
    type: str | None
    execution_state: str | None

    @property
    def locked(self) -> bool:
        return self.execution_state is not None and not State(self.execution_state).is_terminated


def views(parts: Parts, rows: list[TriggerState]) -> list[TriggerView]:
    """Each row with its type and its execution's state (one read each: for a page)."""
    return [TriggerView(row, _trigger_type(parts, row), _execution_state(parts, row))
            for row in rows]


def _trigger_type(parts: Parts, row: TriggerState) -> str | None:
    try:
        flow = flows.latest(parts, row.namespace, row.flow_id)
    except PodiumError:  # the flow was deleted or no longer loads: the row shows anyway
        return None
    found = next((t for t in flow.triggers or [] if t.id == row.trigger_id), None)
    return found.TYPE if found is not None else None


def _execution_state(parts: Parts, row: TriggerState) -> str | None:
    if row.execution_id is None:
        return None
    execution = executions.get(parts, row.execution_id)
    return execution.state.value if execution is not None else None


def set_disabled(store: Parts | Database, key: TriggerKey, disabled: bool) -> TriggerState:
    """Re-enabling also forgets the last execution (see `set_trigger_disabled`)."""
    def change(conn: Any, state: TriggerState) -> None:
        set_trigger_disabled(conn, key, disabled)
    return _change(store, key, change)


def start_backfill(store: Parts | Database, key: TriggerKey, start: datetime, end: datetime | None, *,
                   inputs: dict[str, Any] | None = None,
                   labels: dict[str, Any] | None = None,
                   paused: bool = False) -> TriggerState:
    """Fire every date of [start, end] (end None: up to now) once more. PodiumError when
    the range is empty or a backfill is in progress (delete it first)."""
    start, end = utc(start), utc(end) if end else None
    if end is not None and end < start:
        raise PodiumError("The backfill end date is before its start date")

    def change(conn: Any, state: TriggerState) -> None:
        if state.backfill is not None:
            raise PodiumError("A backfill is already in progress for this trigger; "
                              "delete it first")
        set_backfill(conn, key, start, end, inputs=inputs, labels=labels, paused=paused)
    return _change(store, key, change)


def pause_backfill(store: Parts | Database, key: TriggerKey, paused: bool) -> TriggerState:
    def change(conn: Any, state: TriggerState) -> None:
        if state.backfill is None:
            raise PodiumError("No backfill found")
        save_trigger(conn, state.but(backfill={**state.backfill, "paused": paused}))
    return _change(store, key, change)


def delete_backfill(store: Parts | Database, key: TriggerKey) -> TriggerState:
    """Stop a backfill; the schedule goes on from its own next date (a backfill never
    moved it)."""
    def change(conn: Any, state: TriggerState) -> None:
        if state.backfill is None:
            raise PodiumError("No backfill found")
        save_trigger(conn, state.but(backfill=None))
    return _change(store, key, change)


def unlock(store: Parts | Database, key: TriggerKey) -> TriggerState:
    """Forget the execution the trigger waits for (a trigger never overlaps its own
    executions: one stuck execution would hold it forever)."""
    def change(conn: Any, state: TriggerState) -> None:
        if state.execution_id is None:
            raise PodiumError("Trigger is not locked")
        save_trigger(conn, state.but(execution_id=None))
    return _change(store, key, change)


def _change(store: Parts | Database, key: TriggerKey,
            change: Callable[[Any, TriggerState], None]) -> TriggerState:
    """Run `change` on the locked row and return the row as committed; NotFoundError when
    the trigger does not exist, PodiumError when a scheduler keeps holding it."""
    db = _database(store)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        with db.begin() as conn:
            state = lock_trigger(conn, key)
            if state is not None:
                change(conn, state)
                changed = get_trigger(conn, key) or state  # the row is locked: still there
                return _forget_ended_executions(conn, [changed])[0]
            exists = get_trigger(conn, key) is not None
        if not exists:
            raise NotFoundError(f"Trigger '{'/'.join(key)}' not found")
        if time.monotonic() > deadline:
            raise PodiumError(f"Trigger '{'/'.join(key)}' is being evaluated by a "
                              "scheduler; try again")
        time.sleep(0.05)


def get(store: Parts | Database, key: TriggerKey) -> TriggerState:
    """The trigger's row (as `find_triggers` shows it); NotFoundError when there is none."""
    with _database(store).read() as conn:
        state = get_trigger(conn, key)
        if state is None:
            raise NotFoundError(f"Trigger '{'/'.join(key)}' not found")
        return _forget_ended_executions(conn, [state])[0]


def utc(value: datetime) -> datetime:
    """A naive date is taken as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc(value).isoformat().replace("+00:00", "Z")


def trigger_json(state: TriggerState) -> dict[str, Any]:
    """Kestra's Trigger (trigger context) JSON of a row."""
    backfill = None
    if state.backfill is not None:
        b = state.backfill
        backfill = {"start": _iso(b.get("start")), "end": _iso(b.get("end")),
                    "currentDate": _iso(b.get("current")), "inputs": b.get("inputs") or {},
                    "labels": [{"key": k, "value": v}
                               for k, v in (b.get("labels") or {}).items()],
                    "paused": bool(b.get("paused")),
                    "previousNextExecutionDate": _iso(state.next_date)}
    return {"namespace": state.namespace, "flowId": state.flow_id,
            "triggerId": state.trigger_id, "date": _iso(state.last_date),
            "nextExecutionDate": _iso(state.next_date), "executionId": state.execution_id,
            "disabled": state.disabled, "backfill": backfill,
            "updatedDate": _iso(state.updated), "evaluateRunningDate": None,
            "workerId": None}
