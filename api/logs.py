"""/api/v1/logs: an execution's log lines, as JSON, as a text download, or followed as
server-sent events while it runs (Kestra's LogController)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from podium.api.context import runtime_of
from podium.application import executions, logs
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
    return log_download(execution_id, _lines(runtime, execution_id, minLevel, taskRunId,
                                             taskId))


@router.get("/{execution_id}/follow")
def follow_logs(execution_id: str,
                minLevel: str | None = Query(None, description="TRACE..ERROR"),  # noqa: N803
                taskId: str | None = None,  # noqa: N803
                runtime: Runtime = Depends(runtime_of)) -> StreamingResponse:
    """Server-sent events as Kestra's: a `start` event, then each new line (`progress`)
    as it is written; ours also ends with an `end` event once the execution has ended and
    its last lines are sent (Kestra's stream stays open until the client leaves)."""
    records = logs.follow(runtime, execution_id, min_level=minLevel or None,
                          task_id=taskId or None)
    return event_stream(log_events(runtime, execution_id, records))


def log_download(execution_id: str, lines: Iterable[LogRecord]) -> PlainTextResponse:
    text = "".join(f"{e.timestamp.isoformat()} {e.level} {e.task_id or 'execution'} "
                   f"{e.message}\n" for e in lines)
    return PlainTextResponse(text, headers={
        "Content-Disposition": f'attachment; filename="{execution_id}.log"'})


async def log_events(runtime: Runtime, execution_id: str, records: AsyncIterator[LogRecord],
                     resumable: bool = False) -> AsyncIterator[str]:
    """The SSE text of a follow. Kestra names every line's event id `progress`;
    `resumable` uses the line's own id instead, so a browser's EventSource that reconnects
    (sending it as Last-Event-ID) resumes after the last line it got. The `end` event
    carries the execution's final state."""
    yield _event("start", {})
    async for record in records:
        body = log_json(record)
        yield _event(str(record.id) if resumable else "progress", body)
    execution = await run_in_threadpool(executions.get, runtime, execution_id)
    end = {"state": execution.state.value} if execution else {}
    yield f"event: end\ndata: {json.dumps(end)}\n\n"


def event_stream(events: AsyncIterator[str]) -> StreamingResponse:
    # No buffering by a proxy (nginx) in between: each line is sent as it comes.
    return StreamingResponse(events, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache",
                                      "X-Accel-Buffering": "no"})


def _event(event_id: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\ndata: {json.dumps(data, default=str)}\n\n"
