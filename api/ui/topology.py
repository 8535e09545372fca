"""A flow's topology, an execution's topology with the state of each task, and the
execution's Gantt chart. The graph comes from the application layer (the same as
`GET /api/v1/flows/{namespace}/{id}/graph`), its layout from topology_layout.py, and the
SVG from a template; a running execution's page fetches its live part again each second."""

from __future__ import annotations

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from podium.api.context import runtime_of
from podium.api.ui.lookup import execution_in_flow, is_partial
from podium.api.ui.rendering import render
from podium.api.ui.run_views import gantt, task_states
from podium.api.ui.topology_layout import layout
from podium.application import executions, flows
from podium.runtime import Runtime

router = APIRouter()
# The rows a Gantt chart shows (a big loop has thousands of task runs); it is fetched
# again each second while the execution runs.
MAX_GANTT_ROWS = 1000


@router.get("/flows/{namespace}/{flow_id}")
def flow_page(request: Request, namespace: str, flow_id: str) -> Response:
    url = request.url_for("flow_topology", namespace=namespace, flow_id=flow_id)
    return RedirectResponse(url.path, status_code=303)


@router.get("/flows/{namespace}/{flow_id}/topology")
def flow_topology(request: Request, namespace: str, flow_id: str,
                  revision: int | None = Query(None, ge=1, le=2_147_483_647),
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    """The latest revision's graph, or `revision`'s."""
    revision = flows.revision(runtime, namespace, flow_id, revision).revision
    graph = flows.graph(runtime, namespace, flow_id, revision)  # a deleted flow: 404
    return render(request, "topology_flow.html", namespace=namespace, flow_id=flow_id,
                  tab="topology", revision=revision, layout=layout(graph), states=None)


@router.get("/executions/{namespace}/{flow_id}/{execution_id}/topology")
def execution_topology(request: Request, namespace: str, flow_id: str, execution_id: str,
                       runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    graph = flows.graph(runtime, namespace, flow_id, execution.flow_revision)
    runs = executions.task_runs(runtime, execution_id)
    template = "_topology_live.html" if is_partial(request) else "topology_execution.html"
    return render(request, template, execution=execution, tab="topology",
                  layout=layout(graph), states=task_states(runs))


@router.get("/executions/{namespace}/{flow_id}/{execution_id}/gantt")
def execution_gantt(request: Request, namespace: str, flow_id: str, execution_id: str,
                    runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    runs = executions.task_runs(runtime, execution_id)
    chart = gantt(execution, runs, datetime.now(timezone.utc), MAX_GANTT_ROWS)
    template = "_gantt_live.html" if is_partial(request) else "topology_gantt.html"
    return render(request, template, execution=execution, tab="gantt", gantt=chart)
