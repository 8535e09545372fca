"""The pages: the executions list and the flows list (one execution: execution.py). Each
reads through the application layer (podium/application/), as the API's routes do."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from podium.api.context import runtime_of
from podium.api.ui.editor_views import LabelFilterError, label_filter
from podium.api.ui.execution_filters import QUICK_RANGES, parse_labels, parse_state, time_window
from podium.api.ui.lookup import is_partial
from podium.api.ui.rendering import render
from podium.application import executions, flows
from podium.common.models.state import State
from podium.runtime import Runtime

router = APIRouter()

PAGE_SIZES = (10, 25, 50, 100)
# The list counts matches up to this and says "more than" beyond (counting every row of a
# million-row table is a scan of it).
COUNT_CAP = 10_001


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/dashboard",
                            status_code=303)


@router.get("/executions")
def executions_page(request: Request, namespace: str = "",
                    flowId: str = "",  # noqa: N803 (Kestra's name, as in the API)
                    state: str = "",  # "" from the form's "any"
                    labels: list[str] = Query([], description="key:value"),
                    startDate: str = "", endDate: str = "",  # noqa: N803 (as in the API)
                    range: str = "",  # noqa: A002 (the quick range's name in the URL)
                    page: int = Query(1, ge=1, le=1_000_000),
                    size: int = Query(25, ge=1, le=max(PAGE_SIZES)),
                    runtime: Runtime = Depends(runtime_of)) -> Response:
    since, until = time_window(range, startDate, endDate)
    wanted = parse_state(state)
    found, total = executions.search(
        runtime, namespace=namespace.strip() or None, flow_id=flowId.strip() or None,
        states=[wanted] if wanted else None, labels=parse_labels(labels) or None,
        since=since, until=until, limit=size, offset=(page - 1) * size,
        count_cap=COUNT_CAP)
    label_text = " ".join(pair.strip() for pair in labels if pair.strip())
    pages = max(1, math.ceil(total / size))
    if total >= COUNT_CAP and len(found) == size:
        pages = max(pages, page + 1)  # past the cap, a full page may have a next one
    values = dict(executions=found, total=total, page=page, size=size, pages=pages,
                  states=list(State), total_capped=total >= COUNT_CAP,
                  quick_ranges=QUICK_RANGES,
                  filters=dict(namespace=namespace, flowId=flowId,
                               state=wanted.value if wanted else "", labels=label_text,
                               startDate=startDate, endDate=endDate, range=range))
    # htmx asks for the table alone when a filter or the page changes.
    template = "_executions_table.html" if is_partial(request) else "executions.html"
    return render(request, template, **values)


@router.get("/flows")
def flows_page(request: Request, namespace: str = "", q: str = "", labels: str = "",
               page: int = Query(1, ge=1, le=1_000_000),
               size: int = Query(25, ge=1, le=max(PAGE_SIZES)),
               runtime: Runtime = Depends(runtime_of)) -> Response:
    try:
        wanted, label_error = label_filter(labels), None
    except LabelFilterError as exc:  # said above the table, which then lists nothing
        wanted, label_error = None, str(exc)
    found = [] if label_error else flows.search(
        runtime, namespace.strip() or None, q.strip() or None, wanted or None)
    start = (page - 1) * size
    values = dict(flows=found[start:start + size], total=len(found), page=page, size=size,
                  pages=max(1, math.ceil(len(found) / size)), label_error=label_error,
                  filters=dict(namespace=namespace, q=q, labels=labels))
    template = "_flows_table.html" if is_partial(request) else "flows.html"
    return render(request, template, **values)
