"""/api/v1/flows: create, update, read, search, validate, delete flows (Kestra's
FlowController). Bodies are YAML (`application/x-yaml`); a flow's JSON is its document
plus `revision`, `deleted` and, when asked for, `source`."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api.context import YAML_BODY, runtime_of
from api.errors import NotFound, Unprocessable
from common.errors import FlowValidationError, PodiumError
from common.flow.loader import LoadedFlow, parse_flow
from common.flow.model import Flow
from common.flow.source_text import decode_source
from common.flow.trigger_loops import loop_warnings
from common.flow.yaml_source import load_yaml
from common.store import FlowRevision, delete_flow, get_flow, list_flows, list_revisions, save_flow
from executor.flow_triggers.listeners import listening_flows
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/flows", tags=["Flows"])

# Kestra splits multi-flow bodies on lines made of '---'.
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def flow_json(revision: FlowRevision, source: bool = True) -> dict[str, Any]:
    try:
        document = load_yaml(revision.source).data
    except PodiumError:  # a stored revision always parsed once; be safe all the same
        document = {}
    body = dict(document) if isinstance(document, dict) else {}
    body.update(id=revision.id, namespace=revision.namespace, revision=revision.revision,
                deleted=revision.deleted)
    if source:
        body["source"] = revision.source
    return body


async def _flow_source(request: Request) -> str:
    """The body as text: UTF-8 only, never repaired (a replaced byte would silently change
    an identifier or a script); YamlSyntaxError (422) with the line, column and byte offset
    of the first undecodable byte otherwise."""
    return decode_source(await request.body(), None)


def _documents(text: str) -> list[str]:
    return [part for part in _SEPARATOR.split(text) if part.strip()]


@router.get("/search")
def search_flows(page: int = Query(1, ge=1, le=1_000_000),
                 size: int = Query(10, ge=1, le=1000),
                 q: str | None = Query(None, description="Text in the id or namespace"),
                 namespace: str | None = Query(None, description="Namespace prefix"),
                 runtime: Runtime = Depends(runtime_of)) -> dict:
    with runtime.db.read() as conn:
        found = list_flows(conn, namespace or None)
    if q:
        needle = q.lower()
        found = [f for f in found if needle in f.id.lower() or needle in f.namespace.lower()]
    start = (page - 1) * size
    return {"results": [flow_json(f, source=False) for f in found[start:start + size]],
            "total": len(found)}


@router.post("/validate", openapi_extra=YAML_BODY)
async def validate_flows(request: Request, runtime: Runtime = Depends(runtime_of)) -> list:
    """One result per YAML document: `constraints` is None for a valid flow, else the
    problems as text; `problems` lists them with line, column and path."""
    results, valid = [], []
    for index, document in enumerate(_documents(await _flow_source(request))):
        result: dict[str, Any] = {"index": index, "flow": None, "namespace": None,
                                  "constraints": None, "outdated": False,
                                  "deprecationPaths": [], "warnings": [], "infos": [],
                                  "problems": []}
        try:
            loaded = parse_flow(document)
            result.update(flow=loaded.flow.id, namespace=loaded.flow.namespace)
        except FlowValidationError as exc:
            result.update(constraints=exc.message, problems=[p.as_dict() for p in exc.problems])
        else:
            valid.append((result, loaded.flow))
        results.append(result)
    for result, flow in valid:  # the body's flows are checked with each other and the stored
        result["warnings"] = _loop_warnings(runtime, flow, [other for _, other in valid])
    return results


def _loop_warnings(runtime: Runtime, flow: Flow, with_flows: list[Flow] = ()) -> list[str]:
    """Flow triggers of `flow` and the stored flows (or `with_flows`) starting each other
    in a loop (common/flow/trigger_loops.py): a warning, the flow is still valid."""
    with runtime.db.read() as conn:
        stored = listening_flows(conn)
    given = {(other.namespace, other.id) for other in with_flows}
    others = [f for f in stored if (f.namespace, f.id) not in given] + list(with_flows)
    return loop_warnings(flow, others)


def _saved_json(runtime: Runtime, saved: FlowRevision, flow: Flow) -> dict[str, Any]:
    """A saved flow's JSON, with `warnings` when its Flow triggers form a loop."""
    body = flow_json(saved)
    warnings = _loop_warnings(runtime, flow)
    if warnings:
        body["warnings"] = warnings
    return body


@router.post("", openapi_extra=YAML_BODY)
async def create_flow(request: Request, runtime: Runtime = Depends(runtime_of)) -> dict:
    loaded = parse_flow(await _flow_source(request))
    with runtime.db.begin() as conn:
        if get_flow(conn, loaded.flow.namespace, loaded.flow.id) is not None:
            raise Unprocessable("Flow id already exists", [{
                "message": "Flow id already exists", "path": "id"}])
        saved = save_flow(conn, loaded)
    return _saved_json(runtime, saved, loaded.flow)


@router.post("/{namespace}", openapi_extra=YAML_BODY)
async def update_namespace(namespace: str, request: Request, delete: bool = True,
                           runtime: Runtime = Depends(runtime_of)) -> list:
    """Make NAMESPACE hold exactly these flows: each is created or updated; with `delete`
    (the default) the namespace's other flows are deleted. All or nothing."""
    loaded = [parse_flow(doc) for doc in _documents(await _flow_source(request))]
    _check_bulk(namespace, loaded)
    ids = {item.flow.id for item in loaded}
    with runtime.db.begin() as conn:
        deleted = []
        if delete:
            for current in list_flows(conn, namespace):
                if current.namespace == namespace and current.id not in ids:
                    deleted.append(delete_flow(conn, namespace, current.id))
        saved = [save_flow(conn, item) for item in loaded]
    return [flow_json(item) for item in filter(None, deleted)] + \
        [_saved_json(runtime, item, source.flow) for item, source in zip(saved, loaded)]


def _check_bulk(namespace: str, loaded: list[LoadedFlow]) -> None:
    wrong = [item.flow.id for item in loaded if item.flow.namespace != namespace]
    if wrong:
        raise Unprocessable("Flow namespace is invalid", [
            {"message": f"flow {flow_id} is not in namespace {namespace}", "path": "namespace"}
            for flow_id in wrong])
    ids = [item.flow.id for item in loaded]
    if len(set(ids)) < len(ids):
        raise Unprocessable("Duplicate flow id", [{"message": "Duplicate flow id",
                                                    "path": "id"}])


@router.get("/{namespace}/{flow_id}")
def get_flow_route(namespace: str, flow_id: str, source: bool = False,
                   revision: int | None = Query(None, ge=1, le=2_147_483_647),
                   runtime: Runtime = Depends(runtime_of)) -> dict:
    with runtime.db.read() as conn:
        found = get_flow(conn, namespace, flow_id, revision)
    if found is None or (revision is not None and found.deleted):
        raise NotFound(f"Flow '{namespace}.{flow_id}' not found")
    return flow_json(found, source=source)


@router.put("/{namespace}/{flow_id}", openapi_extra=YAML_BODY)
async def update_flow(namespace: str, flow_id: str, request: Request,
                      runtime: Runtime = Depends(runtime_of)) -> dict:
    loaded = parse_flow(await _flow_source(request))
    if (loaded.flow.namespace, loaded.flow.id) != (namespace, flow_id):
        raise Unprocessable("Illegal flow id update", [{
            "message": f"the flow is {loaded.flow.namespace}.{loaded.flow.id}, not "
                       f"{namespace}.{flow_id}", "path": "id"}])
    with runtime.db.begin() as conn:
        if get_flow(conn, namespace, flow_id) is None:
            raise NotFound(f"Flow '{namespace}.{flow_id}' not found")
        saved = save_flow(conn, loaded)
    return _saved_json(runtime, saved, loaded.flow)


@router.delete("/{namespace}/{flow_id}", status_code=204)
def delete_flow_route(namespace: str, flow_id: str,
                      runtime: Runtime = Depends(runtime_of)) -> Response:
    with runtime.db.begin() as conn:
        if delete_flow(conn, namespace, flow_id) is None:
            raise NotFound(f"Flow '{namespace}.{flow_id}' not found")
    return Response(status_code=204)


@router.get("/{namespace}/{flow_id}/revisions")
def flow_revisions(namespace: str, flow_id: str,
                   runtime: Runtime = Depends(runtime_of)) -> list:
    with runtime.db.read() as conn:
        found = [r for r in list_revisions(conn, namespace, flow_id) if not r.deleted]
    if not found:
        raise NotFound(f"Flow '{namespace}.{flow_id}' not found")
    return [flow_json(item) for item in found]
