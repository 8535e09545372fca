"""What a dashboard shows about many executions, counted by the database: executions per
state and time bucket (GROUP BY, never a row per execution into Python), the first ERROR
line of a few executions (one query), how many have not ended.

Time buckets are whole multiples of `bucket_seconds` since the epoch (UTC), computed in
SQL the same way on both backends, so an hour bucket starts on the hour and a day bucket
at midnight UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Integer, and_, cast, func, select

from podium.common.models.state import State
from podium.common.store.logs import LEVELS
from podium.common.store.schema import executions, logs

NOT_ENDED = tuple(state.value for state in State if not state.is_terminated)


def counts_by_state_over_time(conn: Connection, since: datetime, bucket_seconds: int,
                              ) -> list[tuple[datetime, str, int]]:
    """(bucket start, state, count) of the executions created since `since`, by bucket
    then state."""
    bucket = _bucket(conn, bucket_seconds).label("bucket")
    query = (select(bucket, executions.c.state, func.count().label("n"))
             .where(executions.c.created >= since)
             .group_by(bucket, executions.c.state)
             .order_by(bucket, executions.c.state))
    return [(datetime.fromtimestamp(int(row.bucket) * bucket_seconds, timezone.utc),
             row.state, int(row.n)) for row in conn.execute(query)]


def _bucket(conn: Connection, seconds: int) -> Any:
    if conn.dialect.name == "sqlite":
        epoch = cast(func.strftime("%s", executions.c.created), Integer)
        return epoch // seconds
    return func.floor(func.extract("epoch", executions.c.created) / seconds)


def first_errors(conn: Connection, execution_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The first ERROR (or worse) log line of each execution that has one: {execution_id:
    {message, task_id, timestamp}}, in one query (the logs index is on execution_id, id)."""
    if not execution_ids:
        return {}
    first = (select(logs.c.execution_id, func.min(logs.c.id).label("id"))
             .where(logs.c.execution_id.in_(list(execution_ids)),
                    logs.c.level_no >= LEVELS.index("ERROR"))
             .group_by(logs.c.execution_id).subquery())
    query = select(logs.c.execution_id, logs.c.message, logs.c.task_id, logs.c.timestamp) \
        .join(first, and_(logs.c.id == first.c.id))
    return {row.execution_id: dict(message=row.message, task_id=row.task_id,
                                   timestamp=row.timestamp) for row in conn.execute(query)}


def count_not_ended(conn: Connection) -> int:
    """Executions in a state that is not terminated (created, queued, running, paused...):
    an indexed count on `state`."""
    query = select(func.count()).select_from(executions).where(
        executions.c.state.in_(NOT_ENDED))
    return int(conn.execute(query).scalar_one())
