"""An execution's log lines."""

from __future__ import annotations

from podium.application.executions import require
from podium.application.parts import Parts
from podium.common.store import fetch_logs
from podium.common.store.logs import LogRecord

__all__ = ["LogRecord", "execution_logs", "lines"]


def lines(parts: Parts, execution_id: str, *, min_level: str | None = None,
          task_run_id: str | None = None, task_id: str | None = None,
          after_id: int | None = None) -> list[LogRecord]:
    """The execution's log lines in order, filtered; `after_id` for those after a line
    already read (following a running execution)."""
    with parts.db.read() as conn:
        return fetch_logs(conn, execution_id, task_run_id=task_run_id, task_id=task_id,
                          min_level=min_level, after_id=after_id)


def execution_logs(parts: Parts, execution_id: str, *, min_level: str | None = None,
                   task_run_id: str | None = None,
                   task_id: str | None = None) -> list[LogRecord]:
    """As `lines`, for an execution that must exist (NotFoundError)."""
    require(parts, execution_id)
    return lines(parts, execution_id, min_level=min_level, task_run_id=task_run_id,
                 task_id=task_id)
