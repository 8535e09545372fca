"""The dashboard (`/ui/dashboard`): executions over time by state, the newest failures with
their first error, what is running now, the queues and the live services. Every figure is
counted or bounded by the database (podium/application/executions.py, services.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from podium.api.context import runtime_of
from podium.api.ui.dashboard_chart import HEIGHT, WIDTH, stacked_bars
from podium.api.ui.rendering import render
from podium.application import executions, services
from podium.runtime import Runtime

router = APIRouter()

RANGE_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days"}
FAILURES_SHOWN = 10
RUNNING_SHOWN = 5


@router.get("/dashboard")
def dashboard_page(request: Request,
                   span: str = Query("24h", alias="range", pattern="^(24h|7d)$"),
                   runtime: Runtime = Depends(runtime_of)) -> Response:
    buckets = executions.counts_by_state_over_time(runtime, span)
    bars, top = stacked_bars(buckets)
    running_count, running = executions.not_ended(runtime, RUNNING_SHOWN)
    states = sorted({state for _, counts in buckets for state in counts})
    return render(request, "dashboard.html", span=span, ranges=RANGE_LABELS, bars=bars,
                  top=top, chart_width=WIDTH, chart_height=HEIGHT, chart_states=states,
                  hour_buckets=span == "24h",
                  total=sum(bar.total for bar in bars),
                  failures=executions.failures(runtime, FAILURES_SHOWN),
                  running_count=running_count, running=running,
                  depths=services.queue_depths(runtime),
                  backlog=services.outbox_backlog(runtime),
                  services=services.services(runtime))
