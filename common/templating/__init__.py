"""Podium's template engine: Kestra's Pebble expressions, rendered by a sandboxed Jinja2.

Public API:
- render(template, context, services=None) -> str
- render_typed(template, context, services=None) -> Any (native value for a lone `{{ expr }}`)
- render_value(value, context, services=None) -> Any (renders strings inside dicts/lists)
- is_truthy(rendered) -> bool (Kestra TruthUtils)
- build_context(...) -> dict (Kestra's run variables)
"""

from podium.common.templating.context import build_context
from podium.common.templating.render import render, render_typed, render_value
from podium.common.templating.services import SERVICES_KEY, RenderServices, SecretMasker
from podium.common.templating.truth import is_truthy

__all__ = [
    "render",
    "render_typed",
    "render_value",
    "is_truthy",
    "build_context",
    "RenderServices",
    "SecretMasker",
    "SERVICES_KEY",
]
