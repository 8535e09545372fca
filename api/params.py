"""What every route's parameters must be: no control characters. A NUL in a namespace, an
id or a label is never a real name (PostgreSQL refuses it in text, logs and files split on
newlines), so it is refused with the parameter it came in (422), before any lookup."""

from __future__ import annotations

import re

from fastapi import Request

from api.errors import Unprocessable

_IN_NAMES = re.compile(r"[\x00-\x1f\x7f]")  # path parameters and query keys
_IN_VALUES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # query values: tab, CR, LF ok
PROBLEM = "control character (NUL, newline...) refused"


def refuse_control_characters(request: Request) -> None:
    """An app-wide dependency: 422 naming the first parameter holding a control character."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _IN_NAMES.search(value):
            raise _refused("path", name)
    for name, value in request.query_params.multi_items():
        if _IN_NAMES.search(name) or _IN_VALUES.search(value):
            raise _refused("query", name)


def has_control_characters(text: str) -> bool:
    return bool(_IN_VALUES.search(text))


def _refused(where: str, name: str) -> Unprocessable:
    shown = _IN_NAMES.sub("?", name[:64])
    return Unprocessable(f"Invalid {where} parameter '{shown}': {PROBLEM}",
                         [{"message": PROBLEM, "path": f"{where}.{shown}"}])
