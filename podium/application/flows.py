"""Flows: deploy, create, update, delete, read, search, list revisions, validate. Flow
sources are parsed by the caller (common.flow.loader.parse_flow) and given as LoadedFlows;
the API and the CLI read them from different places (a request body, files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from podium.application.parts import Parts
from podium.common.errors import (
    FlowValidationError,
    InvalidRequestError,
    NotFoundError,
    PodiumError,
)
from podium.common.flow.graph import FlowGraph, flow_graph
from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.flow.model import Flow
from podium.common.flow.trigger_loops import loop_warnings
from podium.common.flow.yaml_source import load_yaml
from podium.common.store import (
    FlowRevision,
    delete_flow,
    get_flow,
    list_flows,
    list_revisions,
    save_flow,
)
from podium.executor.flow_triggers.listeners import listening_flows


@dataclass
class Saved:
    """A flow revision as saved, and the warnings about it (Flow triggers in a loop)."""
    revision: FlowRevision
    warnings: list[str] = field(default_factory=list)


def deployed(parts: Parts, conn: Any, namespace: str, flow_id: str) -> tuple[Flow, int]:
    """The latest deployed revision of a flow (parsed, cached) and its number, read on
    `conn`; PodiumError when absent."""
    stored = get_flow(conn, namespace, flow_id)
    if stored is None:
        raise PodiumError(f"flow {namespace}.{flow_id} is not deployed")
    return parts.flows.get(conn, namespace, flow_id, stored.revision), stored.revision


def latest(parts: Parts, namespace: str, flow_id: str) -> Flow:
    """The latest deployed revision of a flow (parsed); PodiumError when absent."""
    with parts.db.read() as conn:
        return deployed(parts, conn, namespace, flow_id)[0]


def revision(parts: Parts, namespace: str, flow_id: str,
             number: int | None = None) -> FlowRevision:
    """A flow's stored revision (the latest when `number` is None); NotFoundError when
    absent, deleted (the latest may be a deletion marker: it is answered), or when an
    asked-for revision is a deletion."""
    with parts.db.read() as conn:
        found = get_flow(conn, namespace, flow_id, number)
    if found is None or (number is not None and found.deleted):
        raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")
    return found


def parsed(parts: Parts, namespace: str, flow_id: str, number: int | None = None) -> Flow:
    """A flow's revision, parsed (the latest when `number` is None); NotFoundError when
    absent or deleted."""
    with parts.db.read() as conn:
        found = get_flow(conn, namespace, flow_id, number)
        if found is None or found.deleted:
            raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")
        return parts.flows.get(conn, namespace, flow_id, found.revision)


def graph(parts: Parts, namespace: str, flow_id: str, number: int | None = None) -> FlowGraph:
    """The graph of a flow's revision (common/flow/graph.py), as Kestra's
    `GET /flows/{namespace}/{id}/graph` gives it."""
    return flow_graph(parsed(parts, namespace, flow_id, number))


def require(parts: Parts, namespace: str, flow_id: str) -> None:
    """NotFoundError unless the flow is deployed."""
    with parts.db.read() as conn:
        if get_flow(conn, namespace, flow_id) is None:
            raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")


def search(parts: Parts, namespace: str | None = None, query: str | None = None,
           labels: dict[str, str] | None = None) -> list[FlowRevision]:
    """The latest revision of every flow; `namespace` a prefix, `query` a substring of the
    id or the namespace, `labels` pairs the flow's labels must all hold (values compared
    as text)."""
    with parts.db.read() as conn:
        found = list_flows(conn, namespace or None)
    if query:
        needle = query.lower()
        found = [f for f in found if needle in f.id.lower() or needle in f.namespace.lower()]
    if labels:
        wanted = labels.items()
        found = [f for f in found if wanted <= source_labels(f.source).items()]
    return found


@lru_cache(maxsize=4096)
def source_labels(source: str) -> dict[str, str]:
    """A flow source's labels as text (a map or Kestra's list of {key, value}); none when
    the source no longer parses. Cached by source: a label search reads every flow."""
    try:
        labels = load_yaml(source).data.get("labels")
    except (PodiumError, AttributeError):
        return {}
    if isinstance(labels, dict):
        pairs = labels.items()
    elif isinstance(labels, list):
        pairs = [(item.get("key"), item.get("value")) for item in labels
                 if isinstance(item, dict)]
    else:
        return {}
    return {str(key): _label_text(value) for key, value in pairs}


def _label_text(value: Any) -> str:
    if isinstance(value, bool):  # as written in YAML, not Python's True
        return "true" if value else "false"
    return "" if value is None else str(value)


def revisions(parts: Parts, namespace: str, flow_id: str) -> list[FlowRevision]:
    """Every live revision of a flow, oldest first; NotFoundError when none."""
    with parts.db.read() as conn:
        found = [r for r in list_revisions(conn, namespace, flow_id) if not r.deleted]
    if not found:
        raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")
    return found


def deploy(parts: Parts, loaded: LoadedFlow) -> FlowRevision:
    """Save a flow, created or updated (`created` False when the source is unchanged)."""
    with parts.db.begin() as conn:
        return save_flow(conn, loaded)


def create(parts: Parts, loaded: LoadedFlow) -> Saved:
    """A new flow; InvalidRequestError when its id is taken."""
    with parts.db.begin() as conn:
        if get_flow(conn, loaded.flow.namespace, loaded.flow.id) is not None:
            raise InvalidRequestError("Flow id already exists", [{
                "message": "Flow id already exists", "path": "id"}])
        saved = save_flow(conn, loaded)
    return Saved(saved, trigger_loop_warnings(parts, loaded.flow))


def update(parts: Parts, namespace: str, flow_id: str, loaded: LoadedFlow) -> Saved:
    """A new revision of an existing flow; the source must keep its namespace and id."""
    if (loaded.flow.namespace, loaded.flow.id) != (namespace, flow_id):
        raise InvalidRequestError("Illegal flow id update", [{
            "message": f"the flow is {loaded.flow.namespace}.{loaded.flow.id}, not "
                       f"{namespace}.{flow_id}", "path": "id"}])
    with parts.db.begin() as conn:
        if get_flow(conn, namespace, flow_id) is None:
            raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")
        saved = save_flow(conn, loaded)
    return Saved(saved, trigger_loop_warnings(parts, loaded.flow))


def replace_namespace(parts: Parts, namespace: str, loaded: list[LoadedFlow],
                      delete: bool = True) -> tuple[list[FlowRevision], list[Saved]]:
    """Make NAMESPACE hold exactly these flows: each is created or updated; with `delete`
    the namespace's other flows are deleted. All or nothing. Returns the deletion markers
    and the saved flows."""
    _check_bulk(namespace, loaded)
    ids = {item.flow.id for item in loaded}
    with parts.db.begin() as conn:
        deleted = []
        if delete:
            for current in list_flows(conn, namespace):
                if current.namespace == namespace and current.id not in ids:
                    deleted.append(delete_flow(conn, namespace, current.id))
        saved = [save_flow(conn, item) for item in loaded]
    return ([item for item in deleted if item is not None],
            [Saved(item, trigger_loop_warnings(parts, source.flow))
             for item, source in zip(saved, loaded)])


def _check_bulk(namespace: str, loaded: list[LoadedFlow]) -> None:
    wrong = [item.flow.id for item in loaded if item.flow.namespace != namespace]
    if wrong:
        raise InvalidRequestError("Flow namespace is invalid", [
            {"message": f"flow {flow_id} is not in namespace {namespace}", "path": "namespace"}
            for flow_id in wrong])
    ids = [item.flow.id for item in loaded]
    if len(set(ids)) < len(ids):
        raise InvalidRequestError("Duplicate flow id", [{"message": "Duplicate flow id",
                                                         "path": "id"}])


def delete(parts: Parts, namespace: str, flow_id: str) -> FlowRevision:
    """Delete a flow (a deletion marker revision); NotFoundError when absent."""
    with parts.db.begin() as conn:
        marker = delete_flow(conn, namespace, flow_id)
    if marker is None:
        raise NotFoundError(f"Flow '{namespace}.{flow_id}' not found")
    return marker


@dataclass
class Validated:
    """One document of a validation: its flow, or the reason it is invalid."""
    index: int
    flow: Flow | None = None
    error: FlowValidationError | None = None
    warnings: list[str] = field(default_factory=list)


def validate(parts: Parts, documents: list[str]) -> list[Validated]:
    """Each YAML document parsed and checked; the valid flows are also checked for Flow
    triggers in a loop, with each other and with the stored flows (a warning only)."""
    results = []
    for index, document in enumerate(documents):
        try:
            results.append(Validated(index, flow=parse_flow(document).flow))
        except FlowValidationError as exc:
            results.append(Validated(index, error=exc))
    valid = [result.flow for result in results if result.flow is not None]
    for result in results:
        if result.flow is not None:
            result.warnings = trigger_loop_warnings(parts, result.flow, valid)
    return results


def trigger_loop_warnings(parts: Parts, flow: Flow,
                          with_flows: list[Flow] | tuple[Flow, ...] = ()) -> list[str]:
    """Flow triggers of `flow` and the stored flows (or `with_flows`, which stand for the
    stored flows of the same ids) starting each other in a loop (common/flow/
    trigger_loops.py): a warning, the flow is still valid."""
    with parts.db.read() as conn:
        stored = listening_flows(conn)
    given = {(other.namespace, other.id) for other in with_flows}
    others = [f for f in stored if (f.namespace, f.id) not in given] + list(with_flows)
    return loop_warnings(flow, others)


def stored_flows(parts: Parts) -> list[Flow]:
    """The latest revision of every flow that still parses (a stored revision that no
    longer validates, after an upgrade, is left out)."""
    with parts.db.read() as conn:
        stored = list_flows(conn)
    flows = []
    for item in stored:
        try:
            flows.append(parse_flow(item.source).flow)
        except PodiumError:
            continue
    return flows
