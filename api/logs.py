"""/api/v1/logs: an execution's log lines, as JSON or as a text download (Kestra's
LogController)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from podium.api.context import runtime_of
from podium.application.logs import LogRecord
from podium.application.logs import execution_logs as read_logs
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/logs", tags=["Logs"])


def log_json(entry: LogRecord) -> dict:
    return {"namespace": entry.namespace, "flowId": entry.flow_id, "taskId": entry.task_id,
            "executionId": entry.execution_id, "taskRunId": entry.task_run_id,
            "attemptNumber": entry.attempt, "timestamp": entry.timestamp.isoformat()
            .replace("+00:00", "Z"), "level": entry.level, "message": entry.message}


def _lines(runtime: Runtime, execution_id: str, min_level: str | None,
           task_run_id: str | None, task_id: str | None) -> list[LogRecord]:
    return read_logs(runtime, execution_id, task_run_id=task_run_id or None,
                          task_id=task_id or None, min_level=min_level or None)


@router.get("/{execution_id}")
def execution_logs(execution_id: str,
                   minLevel: str | None = Query(None, description="TRACE..ERROR"),  # noqa: N803
                   taskRunId: str | None = None, taskId: str | None = None,  # noqa: N803
                   runtime: Runtime = Depends(runtime_of)) -> list:
    return [log_json(e) for e in _lines(runtime, execution_id, minLevel, taskRunId, taskId)]


@router.get("/{execution_id}/download", response_class=PlainTextResponse)
def download_logs(execution_id: str, minLevel: str | None = None,  # noqa: N803
                  taskRunId: str | None = None, taskId: str | None = None,  # noqa: N803
                  runtime: Runtime = Depends(runtime_of)) -> PlainTextResponse:
    lines = _lines(runtime, execution_id, minLevel, taskRunId, taskId)
    text = "".join(f"{e.timestamp.isoformat()} {e.level} {e.task_id or 'execution'} "
                   f"{e.message}\n" for e in lines)
    return PlainTextResponse(text, headers={
        "Content-Disposition": f'attachment; filename="{execution_id}.log"'})
