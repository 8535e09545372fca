"""What `errorLogs()` returns: the ERROR lines of an execution, as Kestra's LogEntry maps.

Read from the store by whoever renders (a worker for its tasks, the executor for the
properties it renders itself, such as a Subflow's inputs in an `errors` branch). The
oldest lines come first and at most ERROR_LOGS_LIMIT are returned, so an execution that
failed loudly cannot blow up a Slack message or a render.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any, Iterable

from podium.common.store import fetch_logs
from podium.common.store.logs import LogEntry
from podium.common.templating.context import MAIN_TENANT

ERROR_LOGS_LIMIT = 1000


def log_entry_map(entry: LogEntry) -> dict[str, Any]:
    """Kestra's LogEntry JSON for one stored line."""
    stamp = entry.timestamp
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return {
        "tenantId": MAIN_TENANT, "namespace": entry.namespace, "flowId": entry.flow_id,
        "taskId": entry.task_id, "executionId": entry.execution_id,
        "taskRunId": entry.task_run_id, "attemptNumber": entry.attempt,
        "timestamp": stamp.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "level": entry.level, "message": entry.message,
    }


def stored_error_logs(db: Any, execution_id: str) -> list[dict[str, Any]]:
    """The execution's ERROR lines committed to the store, oldest first."""
    with db.read() as conn:
        records = fetch_logs(conn, execution_id, min_level="ERROR", limit=ERROR_LOGS_LIMIT)
    return [log_entry_map(record) for record in records]


def with_pending(stored: list[dict[str, Any]], pending: Iterable[LogEntry]
                 ) -> list[dict[str, Any]]:
    """`stored` followed by ERROR lines not committed yet, within the limit."""
    more = [log_entry_map(entry) for entry in pending if entry.level == "ERROR"]
    return (stored + more)[:ERROR_LOGS_LIMIT]
