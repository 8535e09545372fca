"""Kestra's TruthUtils: how a rendered condition string becomes a boolean."""

from __future__ import annotations

_FALSE_VALUES = frozenset({"false", "0", "-0", ""})


def is_truthy(rendered: str | None) -> bool:
    """False iff the rendered text is "false", "0", "-0", "" or None (case-sensitive: "False" is true)."""
    return rendered is not None and rendered not in _FALSE_VALUES
