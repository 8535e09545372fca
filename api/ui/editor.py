"""The flow editor: write a flow's YAML with Podium's own validation as you type, save it
as a new flow or a new revision, delete it; a flow's revisions, any one's source, the diff
of two, restoring one. Everything goes through podium/application/flows, as the API's
/api/v1/flows routes do (the same parse, the same create/update rules)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from podium.api.context import runtime_of
from podium.api.errors import status_of
from podium.api.ui.editor_views import problems_of, unified_diff, validation_json
from podium.api.ui.rendering import render
from podium.application import flows
from podium.application.flows import Saved
from podium.common.errors import PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.flow.source_text import decode_source
from podium.runtime import Runtime

router = APIRouter()

NEW_FLOW = """\
id: my_flow
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello from {{ flow.id }}
"""


def revision_query():
    """A revision number parameter; each needs its own (FastAPI gives it its name)."""
    return Query(None, ge=1, le=2_147_483_647)


def flow_url(request: Request, namespace: str, flow_id: str, tab: str) -> str:
    root = request.scope.get("root_path", "")
    return f"{root}/flows/{quote(namespace, safe='')}/{quote(flow_id, safe='')}/{tab}"


@router.post("/flows/validate")
async def validate(request: Request, runtime: Runtime = Depends(runtime_of)) -> Response:
    """The editor's source checked as the API's `POST /api/v1/flows/validate` checks it
    (one document): {valid, problems: [{line, column, message, path, text}], warnings}."""
    try:
        source = decode_source(await request.body(), None)
    except PodiumError as exc:  # not UTF-8: the loader says where
        return JSONResponse(dict(valid=False, warnings=[], namespace=None, flow=None,
                                 problems=[p.as_dict() for p in problems_of(exc)]))
    result = flows.validate(runtime, [source])[0]
    return JSONResponse(validation_json(result))


@router.get("/flows/new")
def new_flow(request: Request) -> Response:
    return _editor(request, None, None, NEW_FLOW)


@router.post("/flows/new")
def create_flow(request: Request, source: str = Form(""),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    try:
        saved = flows.create(runtime, parse_flow(source))
    except PodiumError as exc:
        return _editor(request, None, None, source, error=exc)
    return _saved(request, saved)


@router.get("/flows/{namespace}/{flow_id}/edit")
def edit_flow(request: Request, namespace: str, flow_id: str,
              saved: int | None = revision_query(), unchanged: bool = False,
              runtime: Runtime = Depends(runtime_of)) -> Response:
    latest = flows.revision(runtime, namespace, flow_id)
    if saved is not None:
        notice = f"No change: revision {saved} is current" if unchanged \
            else f"Saved revision {saved}"
    else:
        notice = None
    return _editor(request, namespace, flow_id, latest.source, revision=latest.revision,
                   notice=notice)


@router.post("/flows/{namespace}/{flow_id}/edit")
def update_flow(request: Request, namespace: str, flow_id: str, source: str = Form(""),
                runtime: Runtime = Depends(runtime_of)) -> Response:
    try:
        saved = flows.update(runtime, namespace, flow_id, parse_flow(source))
    except PodiumError as exc:
        return _editor(request, namespace, flow_id, source, error=exc)
    return _saved(request, saved)


@router.post("/flows/{namespace}/{flow_id}/delete")
def delete_flow(request: Request, namespace: str, flow_id: str,
                runtime: Runtime = Depends(runtime_of)) -> Response:
    flows.delete(runtime, namespace, flow_id)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/flows", status_code=303)


@router.post("/flows/{namespace}/{flow_id}/restore")
def restore_revision(request: Request, namespace: str, flow_id: str,
                     revision: int = Form(..., ge=1, le=2_147_483_647),
                     runtime: Runtime = Depends(runtime_of)) -> Response:
    """An old revision's source saved again, as the newest revision."""
    old = flows.revision(runtime, namespace, flow_id, revision)
    saved = flows.update(runtime, namespace, flow_id, parse_flow(old.source))
    return _saved(request, saved)


@router.get("/flows/{namespace}/{flow_id}/revisions")
def revisions_page(request: Request, namespace: str, flow_id: str,
                   view: int | None = revision_query(), old: int | None = revision_query(),
                   new: int | None = revision_query(),
                   runtime: Runtime = Depends(runtime_of)) -> Response:
    """Every revision; one's source (`view`, the latest by default); the diff of `old`
    and `new` (the last two by default)."""
    every = flows.revisions(runtime, namespace, flow_id)
    by_number = {item.revision: item for item in every}
    latest = every[-1].revision
    new = new if new in by_number else latest
    old = old if old in by_number else (every[-2].revision if len(every) > 1 else new)
    view = view if view in by_number else latest
    diff = unified_diff(by_number[old].source, by_number[new].source,
                        f"revision {old}", f"revision {new}")
    return render(request, "editor_revisions.html", namespace=namespace, flow_id=flow_id,
                  tab="revisions", revisions=list(reversed(every)), latest=latest,
                  shown=by_number[view], old=old, new=new, diff=diff)


def _saved(request: Request, saved: Saved) -> Response:
    """After a save, the saved flow's editor, telling what happened."""
    revision = saved.revision
    url = flow_url(request, revision.namespace, revision.id, "edit")
    unchanged = "" if revision.created else "&unchanged=true"
    return RedirectResponse(f"{url}?saved={revision.revision}{unchanged}", status_code=303)


def _editor(request: Request, namespace: str | None, flow_id: str | None, source: str,
            *, revision: int | None = None, notice: str | None = None,
            error: PodiumError | None = None) -> Response:
    """The editor page; a refused save shows its problems with the source as sent (the
    status the API would answer: 422 invalid, 404 gone)."""
    problems = problems_of(error) if error is not None else []
    return render(request, "editor.html", status=status_of(error) if error else 200,
                  namespace=namespace, flow_id=flow_id, tab="edit", source=source,
                  revision=revision, notice=notice, problems=problems,
                  line_count=max(1, source.count("\n") + 1))
