"""/api/v1/flows: create, update, read, search, validate, delete flows (Kestra's
FlowController). Bodies are YAML (`application/x-yaml`); a flow's JSON is its document
plus `revision`, `deleted` and, when asked for, `source`."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from podium.api.context import YAML_BODY, runtime_of
from podium.api.executions import parse_labels
from podium.application import flows
from podium.application.flows import Saved
from podium.common.errors import PodiumError
from podium.common.flow.graph import flow_graph, graph_json
from podium.common.flow.loader import parse_flow
from podium.common.flow.source_text import decode_source
from podium.common.flow.yaml_source import load_yaml
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/flows", tags=["Flows"])

# Kestra splits multi-flow bodies on lines made of '---'.
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def flow_json(revision: Any, source: bool = True) -> dict[str, Any]:
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
                 labels: list[str] | None = Query(None, description="key:value"),
                 runtime: Runtime = Depends(runtime_of)) -> dict:
    found = flows.search(runtime, namespace or None, q, parse_labels(labels) or None)
    start = (page - 1) * size
    return {"results": [flow_json(f, source=False) for f in found[start:start + size]],
            "total": len(found)}


@router.post("/validate", openapi_extra=YAML_BODY)
async def validate_flows(request: Request, runtime: Runtime = Depends(runtime_of)) -> list:
    """One result per YAML document: `constraints` is None for a valid flow, else the
    problems as text; `problems` lists them with line, column and path."""
    documents = _documents(await _flow_source(request))
    return [_validation_json(item) for item in flows.validate(runtime, documents)]


def _validation_json(item: flows.Validated) -> dict[str, Any]:
    result: dict[str, Any] = {"index": item.index, "flow": None, "namespace": None,
                              "constraints": None, "outdated": False,
                              "deprecationPaths": [], "warnings": item.warnings, "infos": [],
                              "problems": []}
    if item.flow is not None:
        result.update(flow=item.flow.id, namespace=item.flow.namespace)
    if item.error is not None:
        result.update(constraints=item.error.message,
                      problems=[p.as_dict() for p in item.error.problems])
    return result


def _saved_json(saved: Saved) -> dict[str, Any]:
    """A saved flow's JSON, with `warnings` when its Flow triggers form a loop."""
    body = flow_json(saved.revision)
    if saved.warnings:
        body["warnings"] = saved.warnings
    return body


@router.post("", openapi_extra=YAML_BODY)
async def create_flow(request: Request, runtime: Runtime = Depends(runtime_of)) -> dict:
    loaded = parse_flow(await _flow_source(request))
    return _saved_json(flows.create(runtime, loaded))


@router.post("/graph", openapi_extra=YAML_BODY)
async def graph_of_source(request: Request,
                          subflows: list[str] | None = Query(None)) -> dict:  # noqa: ARG001
    """The graph of a flow given as YAML, not saved (Kestra's `POST /flows/graph`;
    declared before `/{namespace}`, which would take `graph` for a namespace, as Kestra's
    router does). `subflows` (Kestra expands those subflow tasks' flows) is accepted and
    not expanded."""
    return graph_json(flow_graph(parse_flow(await _flow_source(request)).flow))


@router.post("/{namespace}", openapi_extra=YAML_BODY)
async def update_namespace(namespace: str, request: Request, delete: bool = True,
                           runtime: Runtime = Depends(runtime_of)) -> list:
    """Make NAMESPACE hold exactly these flows: each is created or updated; with `delete`
    (the default) the namespace's other flows are deleted. All or nothing."""
    loaded = [parse_flow(doc) for doc in _documents(await _flow_source(request))]
    deleted, saved = flows.replace_namespace(runtime, namespace, loaded, delete)
    return [flow_json(item) for item in deleted] + [_saved_json(item) for item in saved]


@router.get("/{namespace}/{flow_id}/graph")
def flow_graph_route(namespace: str, flow_id: str,
                     revision: int | None = Query(None, ge=1, le=2_147_483_647),
                     subflows: list[str] | None = Query(None),  # noqa: ARG001 (see above)
                     runtime: Runtime = Depends(runtime_of)) -> dict:
    return graph_json(flows.graph(runtime, namespace, flow_id, revision))


@router.get("/{namespace}/{flow_id}")
def get_flow_route(namespace: str, flow_id: str, source: bool = False,
                   revision: int | None = Query(None, ge=1, le=2_147_483_647),
                   runtime: Runtime = Depends(runtime_of)) -> dict:
    return flow_json(flows.revision(runtime, namespace, flow_id, revision), source=source)


@router.put("/{namespace}/{flow_id}", openapi_extra=YAML_BODY)
async def update_flow(namespace: str, flow_id: str, request: Request,
                      runtime: Runtime = Depends(runtime_of)) -> dict:
    loaded = parse_flow(await _flow_source(request))
    return _saved_json(flows.update(runtime, namespace, flow_id, loaded))


@router.delete("/{namespace}/{flow_id}", status_code=204)
def delete_flow_route(namespace: str, flow_id: str,
                      runtime: Runtime = Depends(runtime_of)) -> Response:
    flows.delete(runtime, namespace, flow_id)
    return Response(status_code=204)


@router.get("/{namespace}/{flow_id}/revisions")
def flow_revisions(namespace: str, flow_id: str,
                   runtime: Runtime = Depends(runtime_of)) -> list:
    return [flow_json(item) for item in flows.revisions(runtime, namespace, flow_id)]
