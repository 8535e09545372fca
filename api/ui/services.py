"""The services page: the deployment's executors, workers, schedulers and webservers from
their heartbeat rows, the services this process runs itself (an embedded runtime has no
rows), what each worker runs now (the attempts its row lists, named by flow and task) and
the queues' depth where the transport counts it cheaply. The live part is fetched again
each second (htmx), not the page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.ui.lookup import is_partial
from podium.api.ui.rendering import render
from podium.application import services
from podium.runtime import Runtime

router = APIRouter()


@router.get("/services")
def services_page(request: Request, all: bool = False,  # noqa: A002 (as the API's query)
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    rows = services.overview(runtime, include_dead=all)
    groups = {kind: [row for row in rows if row.instance.kind == kind]
              for kind in services.SERVICE_KINDS}
    template = "_services_live.html" if is_partial(request) else "services.html"
    return render(request, template, groups=groups, total=len(rows), show_all=all,
                  queues=services.queue_depths(runtime))

