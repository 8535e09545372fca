"""Kestra's plugin-ai properties Podium does not run yet, refused when the flow is saved
(rather than ignored: a flow that counts on a tool or a memory would silently do less)."""

from __future__ import annotations

from typing import Any


def refuse(name: str, value: Any) -> Any:
    if value in (None, [], {}):
        return value
    raise ValueError(f"`{name}` is not supported by Podium yet: this task runs a single "
                     f"model call with no {name}; remove it (or run the flow on Kestra)")
