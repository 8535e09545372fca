"""The transactional outbox: messages are written in the same transaction as the state
change that caused them, and a relay publishes them afterwards.

Relay loop: in one transaction, `take_messages` (rows stay locked, PostgreSQL skips rows
another relay holds), publish each, `delete_messages` the published ones, commit. A crash
before commit republishes: consumers must be idempotent (messages carry idempotency keys).
Messages come out in insertion order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from podium.common.store.schema import outbox
from podium.common.store.types import utcnow


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    queue: str
    payload: dict[str, Any]
    created: datetime | None = None


_INSERT_RETURNING_IDS = insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True)


def enqueue_messages(conn: Connection, messages: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
    """Store messages to publish after commit; returns their ids, in order, so the
    publisher can delete exactly what it published."""
    if not messages:
        return []
    rows = conn.execute(_INSERT_RETURNING_IDS, outbox_rows(messages))
    return [row.id for row in rows]


def outbox_rows(messages: Sequence[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows that enqueue these messages, by column name (the id is the store's)."""
    now = utcnow()
    return [{"queue": queue, "payload": payload, "created": now} for queue, payload in messages]


def enqueue_for_publish(conn: Connection, messages: Sequence[tuple[str, dict[str, Any]]]
                        ) -> list[tuple[int, str, dict[str, Any]]]:
    """`enqueue_messages`, answered as the (id, queue, payload) rows that
    `OutboxRelay.publish_committed` publishes once the transaction has committed."""
    ids = enqueue_messages(conn, messages)
    return [(row_id, queue, payload) for row_id, (queue, payload) in zip(ids, messages)]


def take_messages(conn: Connection, limit: int = 100) -> list[OutboxMessage]:
    """The oldest `limit` messages, locked for this transaction (SKIP LOCKED on PostgreSQL)."""
    query = select(outbox.c.id, outbox.c.queue, outbox.c.payload, outbox.c.created) \
        .order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True)
    return [OutboxMessage(row.id, row.queue, row.payload, row.created)
            for row in conn.execute(query)]


def pending_payloads(conn: Connection) -> list[dict[str, Any]]:
    """The payload of every row: messages committed and not (known to be) published."""
    return [row.payload for row in conn.execute(select(outbox.c.payload))]


def delete_messages(conn: Connection, ids: Iterable[int]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), 500):
        conn.execute(delete(outbox).where(outbox.c.id.in_(ids[start:start + 500])))


def message_ids(conn: Connection) -> set[int]:
    """The id of every row (published or not)."""
    return set(conn.execute(select(outbox.c.id)).scalars())


def count_messages(conn: Connection) -> int:
    """Rows in the outbox: messages not published yet, or published and not deleted yet."""
    return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())
