"""The namespaces a deployment knows: those of its live flows and of its KV entries.

Namespace files are not listed here: finding the namespaces that hold some would list the
whole internal storage (execution files included). A namespace's files are opened by its
name (the UI's namespace page, `podium namespace files`)."""

from __future__ import annotations

from podium.application.parts import Parts
from podium.common.store import flow_namespaces, kv_namespaces


def names(parts: Parts, query: str | None = None) -> list[str]:
    """Sorted; `query` keeps the names containing it (any case)."""
    with parts.db.read() as conn:
        found = set(flow_namespaces(conn)) | set(kv_namespaces(conn))
    if query:
        found = {name for name in found if query.lower() in name.lower()}
    return sorted(found)
