"""An execution's Logs tab: the newest lines matching the filters, rendered on the
server, then new ones streamed to the page (static/logs.js) as server-sent events by the
same generator as the API's /api/v1/logs/{id}/follow. The stream is a UI route, so the UI
guard (session cookie) protects it: the page's EventSource needs no API token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.logs import event_stream, log_download, log_events
from podium.api.ui.lookup import execution_in_flow
from podium.api.ui.rendering import render
from podium.application import executions, logs
from podium.application.logs import LogRecord
from podium.common.models.execution import Execution
from podium.runtime import Runtime

router = APIRouter()

EXECUTION = "/executions/{namespace}/{flow_id}/{execution_id}"
# The newest lines the page shows at first; the full log is a download.
INITIAL_LINES = 500
DEFAULT_LEVEL = "INFO"  # as Kestra's UI
MAX_SEARCH = 200


@router.get(EXECUTION + "/logs")
def logs_page(request: Request, namespace: str, flow_id: str, execution_id: str,
              minLevel: str = Query(DEFAULT_LEVEL, max_length=10),  # noqa: N803
              q: str = Query("", max_length=MAX_SEARCH),
              taskId: str = Query("", max_length=255),  # noqa: N803
              runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    level = minLevel.strip().upper() or None
    if level is not None and level not in logs.LEVELS:
        return render(request, "execution_logs.html", status=400, **_view(
            runtime, execution, [], None, minLevel, q, taskId,
            error=f"Unknown level '{minLevel}': use one of {', '.join(logs.LEVELS)}"))
    shown = logs.lines(runtime, execution.id, min_level=level, task_id=taskId or None,
                       contains=q.strip() or None, newest=INITIAL_LINES + 1)
    newest = logs.lines(runtime, execution.id, newest=1)
    return render(request, "execution_logs.html", **_view(
        runtime, execution, shown, newest[0].id if newest else 0, level or "", q, taskId))


def _view(runtime: Runtime, execution: Execution, shown: list[LogRecord],
          last_id: int | None, level: str, q: str, task_id: str,
          error: str = "") -> dict[str, Any]:
    task_ids = sorted({run.task_id for run in executions.task_runs(runtime, execution.id)})
    return dict(execution=execution, tab="logs", lines=shown[-INITIAL_LINES:],
                cut=len(shown) > INITIAL_LINES, last_id=last_id, levels=logs.LEVELS,
                filters=dict(minLevel=level, q=q, taskId=task_id), task_ids=task_ids,
                error=error)


@router.get(EXECUTION + "/logs/follow")
def follow_logs(namespace: str, flow_id: str, execution_id: str,
                minLevel: str = Query("", max_length=10),  # noqa: N803
                taskId: str = Query("", max_length=255),  # noqa: N803
                after: int | None = Query(None, ge=0),
                last_event_id: str | None = Header(None),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    """The lines after `after` as server-sent events, until the execution has ended; a
    reconnecting EventSource resumes after the last line it got (Last-Event-ID)."""
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    if last_event_id and last_event_id.isdigit():
        after = int(last_event_id)
    records = logs.follow(runtime, execution.id, min_level=minLevel or None,
                          task_id=taskId or None, after_id=after)
    return event_stream(log_events(runtime, execution.id, records, resumable=True))


@router.get(EXECUTION + "/logs/download")
def download_logs(namespace: str, flow_id: str, execution_id: str,
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    """The full log, every level, as the API's download."""
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return log_download(execution.id, logs.lines(runtime, execution.id))
