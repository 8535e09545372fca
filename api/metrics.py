"""`podium_http_requests_total` and `podium_http_request_duration_seconds` by route
template (`/api/v1/executions/{executionId}`), never the raw path: a pure ASGI middleware,
outermost, so requests refused by auth or size limits count too."""

from __future__ import annotations

import time
from typing import Any, Callable

from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from podium.common.observability import metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


def route_template(scope: Scope, templates: Callable[[], list[tuple[Any, str]]]) -> str:
    """The template of the route that served `scope`; for a request answered before
    routing (401, 413), the first template whose pattern matches its path; `<unmatched>`."""
    route = scope.get("route")
    if route is not None:
        template = getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED)
        # A route of a mounted app (the UI at /ui) is labelled with its mount's prefix.
        return scope.get("root_path", "") + template
    path = scope.get("path", "")
    for pattern, template in templates():
        if pattern.match(path):
            return template
    return UNMATCHED


def app_templates(app: Any) -> list[tuple[Any, str]]:
    """(compiled pattern, template) of every path of the app, in registration order (the
    OpenAPI document's paths, then routes outside it, e.g. the docs)."""
    try:
        paths = list(app.openapi().get("paths") or {})
    except Exception:  # noqa: BLE001 - no schema: the routes' own paths only
        paths = []
    paths += [r.path for r in getattr(app, "routes", ()) if isinstance(getattr(r, "path", None), str)]
    compiled = []
    for template in dict.fromkeys(paths):
        regex, path_format, _ = compile_path(template)
        compiled.append((regex, path_format))
    return compiled


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, routes: Any = None) -> None:
        self.app = app
        self.routes = routes  # the FastAPI app whose paths resolve unrouted requests
        self._templates: list[tuple[Any, str]] | None = None

    def templates(self) -> list[tuple[Any, str]]:
        if self._templates is None:
            self._templates = app_templates(self.routes) if self.routes is not None else []
        return self._templates

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
            route = route_template(scope, self.templates)
            m = metrics.get()
            m.http_requests.labels(method, route, str(status)).inc()
            m.http_request_duration.labels(method, route).observe(time.perf_counter() - began)
