"""The buffered bursts of debounced triggers (common/debounce.py), one row per burst.

Appending (`add_debounce_event`, called in the transaction that would otherwise have created
the execution) serialises per (trigger, key): a transaction-scoped advisory lock on
PostgreSQL, SQLite's IMMEDIATE transactions otherwise. The newest burst of the key is
extended while it is open; else a new burst (seq + 1) opens. Flushing (the scheduler) locks
a due row with SKIP LOCKED, inserts its execution under the row's `execution_id` and deletes
the row in one transaction, so a burst becomes one execution across replicas.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from podium.common.debounce import Window, burst_execution_id, key_hash
from podium.common.store.schema import debounce_buffers as buffers

TriggerKey = tuple[str, str, str]


@dataclass(frozen=True)
class Burst:
    namespace: str
    flow_id: str
    trigger_id: str
    burst_key: str
    seq: int
    key: str
    execution_id: str
    trigger: dict[str, Any]
    events: list[Any]
    size: int
    inputs: dict[str, Any] | None
    labels: dict[str, Any] | None
    first_at: datetime
    last_at: datetime
    flush_at: datetime

    @property
    def trigger_key(self) -> TriggerKey:
        return (self.namespace, self.flow_id, self.trigger_id)


def add_debounce_event(conn: Connection, trigger_key: TriggerKey, window: Window, key: str,
                       event: Any, now: datetime, *, trigger: dict[str, Any],
                       inputs: dict[str, Any] | None = None,
                       labels: dict[str, Any] | None = None) -> Burst:
    """Add `event` (JSON) to the open burst of (`trigger_key`, `key`), or open a new one;
    the burst returned says when it fires (`flush_at`) and its execution id. `trigger` is
    the {id, type} its execution will carry; `inputs` / `labels`, when given, replace the
    burst's (the latest event's win)."""
    digest = key_hash(key)
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_lock_id(trigger_key, digest))))
    where = _where(trigger_key, digest)
    latest = conn.execute(select(buffers).where(*where).order_by(buffers.c.seq.desc())
                          .limit(1).with_for_update()).first()
    if latest is not None and window.is_open(latest.size, latest.flush_at, now):
        events = [*latest.events, event]
        last_at = max(latest.last_at, now)
        values = {"events": events, "size": len(events), "last_at": last_at,
                  "flush_at": window.flush_at(latest.first_at, last_at, len(events))}
        if inputs is not None:
            values["inputs"] = inputs
        if labels is not None:
            values["labels"] = labels
        conn.execute(update(buffers).where(*where, buffers.c.seq == latest.seq).values(values))
        return _burst(conn.execute(select(buffers).where(*where,
                                                         buffers.c.seq == latest.seq)).one())
    # The newest row may have been flushed (deleted) while this transaction waited for it.
    top = conn.execute(select(func.max(buffers.c.seq)).where(*where)).scalar()
    seq = (top or 0) + 1
    values = {"namespace": trigger_key[0], "flow_id": trigger_key[1],
              "trigger_id": trigger_key[2], "burst_key": digest, "seq": seq, "key": key,
              "execution_id": burst_execution_id(trigger_key, digest, seq, now),
              "trigger": trigger, "events": [event], "size": 1, "inputs": inputs,
              "labels": labels, "first_at": now, "last_at": now,
              "flush_at": window.flush_at(now, now, 1)}
    conn.execute(buffers.insert().values(values))
    return Burst(**{k: values[k] for k in Burst.__dataclass_fields__})


def due_bursts(conn: Connection, now: datetime, limit: int = 100) -> list[Burst]:
    """Bursts whose time has come, earliest first."""
    query = select(buffers).where(buffers.c.flush_at <= now).order_by(buffers.c.flush_at)
    return [_burst(row) for row in conn.execute(query.limit(limit))]


def lock_burst(conn: Connection, burst: Burst) -> Burst | None:
    """The row, locked until the transaction ends; None when gone (flushed) or held by
    another transaction (PostgreSQL skips locked rows)."""
    row = conn.execute(select(buffers).where(*_where(burst.trigger_key, burst.burst_key),
                                             buffers.c.seq == burst.seq)
                       .with_for_update(skip_locked=True)).first()
    return _burst(row) if row is not None else None


def delete_burst(conn: Connection, burst: Burst) -> None:
    conn.execute(delete(buffers).where(*_where(burst.trigger_key, burst.burst_key),
                                       buffers.c.seq == burst.seq))


def list_bursts(conn: Connection, namespace: str | None = None,
                flow_id: str | None = None) -> list[Burst]:
    query = select(buffers).order_by(buffers.c.namespace, buffers.c.flow_id,
                                     buffers.c.trigger_id, buffers.c.first_at)
    if namespace is not None:
        query = query.where(buffers.c.namespace == namespace)
    if flow_id is not None:
        query = query.where(buffers.c.flow_id == flow_id)
    return [_burst(row) for row in conn.execute(query)]


def next_flush_at(conn: Connection) -> datetime | None:
    """The earliest `flush_at` of every buffered burst."""
    return conn.execute(select(func.min(buffers.c.flush_at))).scalar()


def _lock_id(trigger_key: TriggerKey, digest: str) -> int:
    text = "\x00".join((*trigger_key, digest)).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big", signed=True)


def _where(trigger_key: TriggerKey, digest: str) -> tuple[Any, ...]:
    namespace, flow_id, trigger_id = trigger_key
    return (buffers.c.namespace == namespace, buffers.c.flow_id == flow_id,
            buffers.c.trigger_id == trigger_id, buffers.c.burst_key == digest)


def _burst(row: Any) -> Burst:
    return Burst(**{name: getattr(row, name) for name in Burst.__dataclass_fields__})
