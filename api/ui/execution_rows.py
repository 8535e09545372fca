"""One row of the executions list, alone: a row of an execution that has not ended asks for
it each second (htmx, outerHTML), so the list stays live without being polled whole."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.ui.lookup import execution_in_flow
from podium.api.ui.rendering import render
from podium.runtime import Runtime

router = APIRouter()


@router.get("/executions/{namespace}/{flow_id}/{execution_id}/row")
def execution_row(request: Request, namespace: str, flow_id: str, execution_id: str,
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return render(request, "_execution_row.html", execution=execution)
