"""Flow definitions as a plugin task reads and writes them (git.SyncFlows, git.PushFlows).

A worker never writes execution state; flow definitions are not execution state, and
deploying them is what such tasks are for. Flows go through the same validation and the
same store functions as `podium deploy` and the API (``parse_flow``, re-exported, and
common.store.save_flow / delete_flow): a source that does not validate raises
``FlowValidationError`` (its message names the file given as `name` and each problem
with its line), and a save of an unchanged source keeps its revision.

The store is the worker's (``ctx.store``, set by the worker service for every attempt);
a context without one (a bare RunContext in a unit test) fails with a TaskFailure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from podium.common.errors import FlowValidationError, TaskFailure, UnsafePathError
from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.storage.uris import namespace_path
from podium.common.store import FlowRevision, delete_flow, list_flows, save_flow

__all__ = ["FlowRevision", "FlowValidationError", "LoadedFlow", "check_namespace",
           "delete_flows", "namespace_flows", "parse_flow", "save_flows"]


def _store(ctx: Any) -> Any:
    store = getattr(ctx, "store", None)
    if store is None:
        raise TaskFailure("this task reads and writes flows: it needs the worker's store, "
                          "which this run context was not given")
    return store


def check_namespace(namespace: str, what: str = "namespace") -> str:
    """`namespace` stripped, if it is a valid namespace name; TaskFailure naming `what`
    otherwise."""
    namespace = str(namespace or "").strip()
    try:
        namespace_path(namespace)
    except UnsafePathError as exc:
        raise TaskFailure(f"Invalid {what} '{namespace}': {exc.reason}") from None
    return namespace


def namespace_flows(ctx: Any, namespace: str, *, children: bool = False) -> list[FlowRevision]:
    """The latest revision of every live flow of `namespace` (and of its child namespaces
    with `children`), ordered by namespace then id."""
    with _store(ctx).read() as conn:
        found = list_flows(conn, namespace)
    return [f for f in found if children or f.namespace == namespace]


def save_flows(ctx: Any, loaded: Iterable[LoadedFlow]) -> list[FlowRevision]:
    """Save these validated flows in one transaction (all or none); each result's
    `created` says whether a new revision was written."""
    with _store(ctx).begin() as conn:
        return [save_flow(conn, item) for item in loaded]


def delete_flows(ctx: Any, keys: Iterable[tuple[str, str]]) -> list[FlowRevision]:
    """Delete these (namespace, id) flows in one transaction; the deletion markers of
    those that were live."""
    with _store(ctx).begin() as conn:
        markers = [delete_flow(conn, namespace, flow_id) for namespace, flow_id in keys]
    return [marker for marker in markers if marker is not None]
