"""`podium_http_requests_total` and `podium_http_request_duration_seconds` by route
template (`/api/v1/executions/{executionId}`), never the raw path: a pure ASGI middleware,
outermost, so requests refused by auth or size limits count too."""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.observability import metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


def route_template(app: Any, scope: Scope) -> str:
    """The template of the route that served (or would serve) `scope`; `<unmatched>`."""
    route = scope.get("route")
    if route is None:  # answered before routing (401, 413): find the route it targeted
        for candidate in getattr(getattr(app, "router", None), "routes", ()):
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                route = candidate
                break
    if route is None:
        return UNMATCHED
    return getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, routes: Any = None) -> None:
        self.app = app
        self.routes = routes  # the FastAPI app whose router resolves templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            route = route_template(self.routes, scope)
            m = metrics.get()
            m.http_requests.labels(method, route, str(status)).inc()
            m.http_request_duration.labels(method, route).observe(time.perf_counter() - began)
