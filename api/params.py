"""What every route's parameters must be: no control characters. A NUL in a namespace, an
id or a label is never a real name (PostgreSQL refuses it in text, logs and files split on
newlines), so it is refused with the parameter it came in (422), before any lookup. The
rule (names hold no control character, values may hold tab and line breaks) is
common/control_characters.py's."""

from __future__ import annotations

from fastapi import Request

from podium.api.errors import Unprocessable
from podium.common.control_characters import has_control_characters, shown_safely

PROBLEM = "control character (NUL, newline...) refused"


def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: 422 naming the first parameter holding a control character."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_control_characters(value, name=True):
            raise _refused("path", name)
    for name, value in request.query_params.multi_items():
        if has_control_characters(name, name=True) or has_control_characters(value):
            raise _refused("query", name)


def _refused(where: str, name: str) -> Unprocessable:
    shown = shown_safely(name[:64])
    return Unprocessable(f"Invalid {where} parameter '{shown}': {PROBLEM}",
                         [{"message": PROBLEM, "path": f"{where}.{shown}"}])
