"""A flow's run form (Kestra's "Execute" dialog): one widget per typed input, the inputs
that `dependsOn` others shown, hidden and recomputed as those change (htmx posts the form
to `/run/fields` and swaps the fields), labels for the execution, and the submission
through `executions.submit`, as the API's `POST /api/v1/executions/{namespace}/{id}`.
A refused value is shown next to its field and nothing is started; an execution that
starts opens its page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from podium.api.bodies import FORM_TYPES, parsed_form, require_media_type
from podium.api.context import runtime_of
from podium.api.errors import ApiError, message_of
from podium.api.executions import parse_labels, upload_name
from podium.api.params import PROBLEM
from podium.api.ui.lookup import is_partial
from podium.api.ui.rendering import render
from podium.api.ui.runform_fields import field_of, parse_label_lines, raw_inputs
from podium.application import executions, flows
from podium.application.executions import SYSTEM_PREFIX
from podium.common.control_characters import has_control_characters
from podium.common.errors import InputError, PodiumError
from podium.common.inputs import InputErrors
from podium.common.inputs.preview import InputPreview
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime

router = APIRouter()


@router.get("/flows/{namespace}/{flow_id}/run")
def run_form(request: Request, namespace: str, flow_id: str,
             runtime: Runtime = Depends(runtime_of)) -> Response:
    _, previews = executions.input_form(runtime, namespace, flow_id)
    return _page(request, namespace, flow_id, previews)


@router.post("/flows/{namespace}/{flow_id}/run/fields")
async def run_form_fields(request: Request, namespace: str, flow_id: str,
                          runtime: Runtime = Depends(runtime_of)) -> Response:
    """The fields again for the values given so far (htmx, when an input that others
    depend on changes). Files are not sent here: they stay in the page (hx-preserve)."""
    declarations = await run_in_threadpool(_declarations, runtime, namespace, flow_id)
    require_media_type(request, FORM_TYPES, "the run form")
    async with parsed_form(request) as form:
        given = raw_inputs(declarations, form, files=False)
    _, previews = await run_in_threadpool(executions.input_form, runtime, namespace,
                                          flow_id, given)
    return render(request, "_runform_fields.html", **_fields(request, namespace, flow_id,
                                                             previews))


@router.post("/flows/{namespace}/{flow_id}/run")
async def run_submit(request: Request, namespace: str, flow_id: str,
                     runtime: Runtime = Depends(runtime_of)) -> Response:
    # The flow must exist before its body is read (an upload to nothing costs nothing).
    declarations = await run_in_threadpool(_declarations, runtime, namespace, flow_id)
    require_media_type(request, FORM_TYPES, "the run form")
    async with parsed_form(request) as form:
        labels_text = str(form.get("labels") or "")
        given = raw_inputs(declarations, form, files=False)
        refused = _control_characters(given)
        if refused:
            return await _refused(request, runtime, namespace, flow_id, given, labels_text,
                                  refused, "")
        try:
            labels = _labels(labels_text)
            inputs = {**given, **_uploads(raw_inputs(declarations, form))}
            created = await run_in_threadpool(executions.submit, runtime, namespace,
                                              flow_id, inputs or None, labels=labels or None)
        except InputErrors as exc:
            errors = {error.input_id: _reason(error) for error in exc.errors}
            return await _refused(request, runtime, namespace, flow_id, given, labels_text,
                                  errors, "")
        except (ApiError, PodiumError) as exc:
            return await _refused(request, runtime, namespace, flow_id, given, labels_text,
                                  {}, message_of(exc))
    target = (f"{request.scope.get('root_path', '')}/executions/{_q(created.namespace)}/"
              f"{_q(created.flow_id)}/{_q(created.id)}")
    if request.headers.get("hx-request"):  # htmx would follow a 303 and swap the page in
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _declarations(runtime: Runtime, namespace: str, flow_id: str) -> list[Any]:
    """The inputs of the flow's latest revision (a 404 page when there is no flow)."""
    flows.require(runtime, namespace, flow_id)
    return list(flows.latest(runtime, namespace, flow_id).inputs or [])


def _control_characters(given: dict[str, Any]) -> dict[str, str]:
    """Text refused as the API's form refuses it (tab and line breaks are allowed)."""
    texts = {key: value if isinstance(value, list) else [value] for key, value in given.items()}
    return {key: PROBLEM for key, values in texts.items()
            if any(isinstance(v, str) and has_control_characters(v) for v in values)}


def _reason(error: InputError) -> str:
    """The message without the input's name: it stands by its field."""
    return error.message.removeprefix(f"Invalid input `{error.input_id}`: ")


def _labels(text: str) -> dict[str, str]:
    labels = parse_labels(parse_label_lines(text))
    system = [key for key in labels if key.startswith(SYSTEM_PREFIX)]
    if system:
        raise ApiError(f"System labels can only be set by Podium itself: {system[0]}")
    return labels


def _uploads(values: dict[str, Any]) -> dict[str, Any]:
    """The FILE inputs' parts as Uploads streamed from their spooled files, named as the
    API names them (a hostile file name is refused, never echoed)."""
    return {key: Upload(upload_name(value.filename, key), stream=value.file)
            for key, value in values.items() if hasattr(value, "filename")}


async def _refused(request: Request, runtime: Runtime, namespace: str, flow_id: str,
                   given: dict[str, Any], labels_text: str, errors: dict[str, str],
                   message: str) -> Response:
    """The form again, with what was given, each refusal next to its field (422)."""
    _, previews = await run_in_threadpool(executions.input_form, runtime, namespace,
                                          flow_id, given)
    shown = {p.declaration.id for p in previews if p.enabled}
    # A refusal with no field to stand by (a nested id, a hidden input) heads the form.
    message = "\n".join([message, *(f"{key}: {text}" for key, text in errors.items()
                                     if key not in shown)]).strip()
    return _page(request, namespace, flow_id, previews, errors=errors, message=message,
                 labels_text=labels_text, status=422)


def _fields(request: Request, namespace: str, flow_id: str, previews: list[InputPreview],
            errors: dict[str, str] | None = None) -> dict[str, Any]:
    errors = errors or {}
    fields = [field_of(p, errors.get(p.declaration.id)) for p in previews if p.enabled]
    # An input that others depend on re-renders the fields when it changes.
    sources = {dep for p in previews if p.declaration.depends_on is not None
               for dep in p.declaration.depends_on.inputs or []}
    root = request.scope.get("root_path", "")
    return dict(fields=fields, sources=sources, has_files=any(f.widget == "file" for f in fields),
                fields_url=f"{root}/flows/{_q(namespace)}/{_q(flow_id)}/run/fields")


def _q(segment: str) -> str:
    return quote(segment, safe="")


def _page(request: Request, namespace: str, flow_id: str, previews: list[InputPreview], *,
          errors: dict[str, str] | None = None, message: str = "", labels_text: str = "",
          status: int = 200) -> Response:
    values = dict(namespace=namespace, flow_id=flow_id, tab="run", message=message,
                  labels_text=labels_text, **_fields(request, namespace, flow_id, previews,
                                                     errors))
    template = "_runform_form.html" if is_partial(request) else "runform.html"
    return render(request, template, status=status, **values)
