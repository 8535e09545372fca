"""An execution's log lines: read, searched, and followed while it runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from podium.application.executions import get, require
from podium.application.parts import Parts
from podium.common.store import fetch_logs
from podium.common.store.logs import LEVELS, LogRecord, normalize_level

__all__ = ["LEVELS", "LogRecord", "execution_logs", "follow", "lines"]

FOLLOW_POLL_SECONDS = 0.25
# Lines read per query while following, so a burst is sent in pieces, not loaded at once.
FOLLOW_BATCH = 500


def lines(parts: Parts, execution_id: str, *, min_level: str | None = None,
          task_run_id: str | None = None, task_id: str | None = None,
          after_id: int | None = None, limit: int | None = None,
          contains: str | None = None, newest: int | None = None) -> list[LogRecord]:
    """The execution's log lines in order, filtered; `after_id` for those after a line
    already read (following a running execution), `contains` a text (any case), only the
    `newest` ones."""
    with parts.db.read() as conn:
        return fetch_logs(conn, execution_id, task_run_id=task_run_id, task_id=task_id,
                          min_level=min_level, after_id=after_id, limit=limit,
                          contains=contains, newest=newest)


def execution_logs(parts: Parts, execution_id: str, *, min_level: str | None = None,
                   task_run_id: str | None = None,
                   task_id: str | None = None) -> list[LogRecord]:
    """As `lines`, for an execution that must exist (NotFoundError)."""
    require(parts, execution_id)
    return lines(parts, execution_id, min_level=min_level, task_run_id=task_run_id,
                 task_id=task_id)


def follow(parts: Parts, execution_id: str, *, min_level: str | None = None,
           task_id: str | None = None, after_id: int | None = None,
           poll: float = FOLLOW_POLL_SECONDS) -> AsyncIterator[LogRecord]:
    """The lines appended after `after_id` (all of them without it), as they come, until
    the execution has ended and its last lines are sent. Checked before streaming starts:
    NotFoundError for no such execution, StoreError for an unknown level."""
    require(parts, execution_id)
    if min_level:
        normalize_level(min_level)
    return _follow(parts, execution_id, min_level, task_id, after_id, poll)


async def _follow(parts: Parts, execution_id: str, min_level: str | None,
                  task_id: str | None, after_id: int | None,
                  poll: float) -> AsyncIterator[LogRecord]:
    last = after_id
    while True:
        # The state is read before the lines: a line written before the end is never missed.
        execution = await asyncio.to_thread(get, parts, execution_id)
        ended = execution is None or execution.state.is_terminated
        batch = await asyncio.to_thread(lines, parts, execution_id, min_level=min_level,
                                        task_id=task_id, after_id=last, limit=FOLLOW_BATCH)
        for record in batch:
            yield record
        if batch:
            last = batch[-1].id
        if len(batch) < FOLLOW_BATCH:
            if ended:
                return
            await asyncio.sleep(poll)
