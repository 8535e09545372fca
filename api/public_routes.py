"""The routes anyone may call: matched as exact route templates, segment by segment, with
their methods; never as string prefixes.

A prefix such as `/api/v1/executions/webhook/` also matched `POST /api/v1/executions/
webhook/{id}`, which is "start an execution" of a flow in a namespace called `webhook`.
Here a path is public only when it has exactly the template's segments: every literal
segment equal (case-sensitive, as the router is), every `{parameter}` one non-empty
segment other than `.` and `..`. The raw path is matched, so a spelling the router would
not route to the public handler (`//`, `..`, other case, trailing slash) is never public.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicRoute:
    template: str
    methods: frozenset[str]

    def matches(self, method: str, path: str) -> bool:
        if method.upper() not in self.methods:
            return False
        expected = self.template.split("/")
        given = path.split("/")
        if len(given) != len(expected):
            return False
        return all(_segment_matches(want, got) for want, got in zip(expected, given))


def _segment_matches(template: str, segment: str) -> bool:
    if template.startswith("{") and template.endswith("}"):
        return segment not in ("", ".", "..")
    return template == segment


WEBHOOK_TEMPLATE = "/api/v1/executions/webhook/{namespace}/{flow_id}/{key}"

PUBLIC_ROUTES = (
    PublicRoute("/health", frozenset({"GET"})),
    PublicRoute("/api/v1/health", frozenset({"GET"})),
    PublicRoute(WEBHOOK_TEMPLATE, frozenset({"GET", "POST", "PUT"})),
)


def is_public(path: str, method: str = "GET") -> bool:
    return any(route.matches(method, path) for route in PUBLIC_ROUTES)
