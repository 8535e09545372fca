"""An execution's Overview tab and its actions: kill, restart, replay (from a task run),
change a task run's state, resume a paused execution (its Pause's `onResume` inputs),
review an Approval, edit labels. Every action goes through the application layer
(podium/application/control.py, executions.py), as the API's routes do, and is shown only
when control_options() allows it; a refused one shows its reason on the page, a done one
redirects (303) back to the page, or to the new execution a replay starts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from podium.api.bodies import FORM_TYPES, parsed_form, require_media_type
from podium.api.context import runtime_of
from podium.api.errors import Unprocessable, message_of, status_of
from podium.api.executions import upload_name
from podium.api.params import PROBLEM
from podium.api.ui.execution_view import field_of, shown_values, trigger_rows
from podium.api.ui.guard import ANONYMOUS, CSRF_FIELD
from podium.api.ui.lookup import execution_in_flow, is_partial
from podium.api.ui.rendering import render
from podium.application import control, executions
from podium.application.control_options import options_of
from podium.common.control_characters import has_control_characters
from podium.common.errors import PodiumError
from podium.common.models.execution import Execution
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime

router = APIRouter()

PAGE = "/executions/{namespace}/{flow_id}/{execution_id}"
# The children listed on the page; a ForEachItem may start thousands.
MAX_CHILDREN = 50
# The actions the executor applies as a change of the execution's state.
MOVES = frozenset({"restart", "state"})  # (resume and review wait in their own routes)
# What a done action says once back on the page (a fixed text per action: nothing the
# request gave is echoed).
NOTICES = {"kill": "Kill requested: the running tasks are being stopped.",
           "restart": "Restarted: the failed task runs run again.",
           "state": "Task run state changed: the execution goes on from there.",
           "resume": "Resumed.", "review": "Decision sent.", "labels": "Labels saved."}


def page_url(request: Request, execution: Execution) -> str:
    parts = (execution.namespace, execution.flow_id, execution.id)
    return request.scope.get("root_path", "") + "/executions/" + \
        "/".join(quote(part, safe="") for part in parts)


# ------------------------------------------------------------------ the page

@router.get(PAGE)
def execution_page(request: Request, namespace: str, flow_id: str, execution_id: str,
                   notice: str = "", runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    if is_partial(request):
        return render(request, "_execution_live.html", **_live_view(runtime, execution))
    return _page(request, runtime, execution, notice=NOTICES.get(notice, ""))


def _page(request: Request, runtime: Runtime, execution: Execution, *, notice: str = "",
          error: str = "", status: int = 200) -> Response:
    values = _live_view(runtime, execution)
    children = executions.children(runtime, execution.id, limit=MAX_CHILDREN + 1)
    parent = executions.get(runtime, execution.parent_id) if execution.parent_id else None
    return render(request, "execution.html", status=status, tab="overview",
                  notice=notice, error=error, inputs=shown_values(execution.inputs),
                  trigger=trigger_rows(execution.trigger), parent=parent,
                  children=children[:MAX_CHILDREN],
                  more_children=len(children) > MAX_CHILDREN, **values)


def _live_view(runtime: Runtime, execution: Execution) -> dict[str, Any]:
    """What the live part shows (htmx fetches it again each second while running)."""
    runs = sorted(executions.task_runs(runtime, execution.id), key=lambda run: run.seq)
    options = options_of(runtime, execution, runs)
    waiting = options.waiting
    fields = [field_of(declaration) for declaration in waiting.inputs] if waiting else []
    return dict(execution=execution, runs=runs, options=options, waiting=waiting,
                fields=fields)


# ------------------------------------------------------------------ actions

def _act(request: Request, runtime: Runtime, execution: Execution, action, notice: str):
    """Do `action`; a refusal is the page with its reason (the status the API gives)."""
    try:
        action()
    except PodiumError as exc:
        return _refused(request, runtime, execution, exc)
    if notice in MOVES:
        # The executor applies it: wait (bounded) so the page shows its effect, and keeps
        # refreshing if that runs (an ended execution's page no longer refreshes).
        executions.wait_moved(runtime, execution)
    return _done(request, page_url(request, execution) + f"?notice={notice}")


def _refused(request: Request, runtime: Runtime, execution: Execution,
             exc: PodiumError) -> Response:
    fresh = executions.get(runtime, execution.id) or execution
    if is_partial(request):  # the resume form (htmx): the reason goes under the form
        return render(request, "_execution_refusal.html", status=status_of(exc),
                      message=message_of(exc))
    return _page(request, runtime, fresh, error=message_of(exc), status=status_of(exc))


def _done(request: Request, url: str) -> Response:
    if request.headers.get("hx-request"):  # htmx follows no redirect: tell it where to go
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


@router.post(PAGE + "/kill")
def kill(request: Request, namespace: str, flow_id: str, execution_id: str,
         runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return _act(request, runtime, execution, lambda: control.kill(runtime, execution.id),
                "kill")


@router.post(PAGE + "/restart")
def restart(request: Request, namespace: str, flow_id: str, execution_id: str,
            runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return _act(request, runtime, execution, lambda: control.restart(runtime, execution.id),
                "restart")


@router.post(PAGE + "/replay")
def replay(request: Request, namespace: str, flow_id: str, execution_id: str,
           taskRunId: str = Form(""),  # noqa: N803 (Kestra's name, as in the API)
           runtime: Runtime = Depends(runtime_of)) -> Response:
    """Replay as a new execution (from a task run when given), then go to it."""
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    try:
        new_id = control.replay(runtime, execution.id, taskRunId or None)
    except PodiumError as exc:
        return _refused(request, runtime, execution, exc)
    created = executions.wait_created(runtime, new_id)
    target = created or execution.model_copy(update={"id": new_id})
    return _done(request, page_url(request, target))


@router.post(PAGE + "/state")
def set_state(request: Request, namespace: str, flow_id: str, execution_id: str,
              taskRunId: str = Form(...), state: str = Form(...),  # noqa: N803
              runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return _act(request, runtime, execution,
                lambda: control.set_state(runtime, execution.id, taskRunId, state), "state")


@router.post(PAGE + "/resume")
async def resume(request: Request, namespace: str, flow_id: str, execution_id: str,
                 runtime: Runtime = Depends(runtime_of)) -> Response:
    """The paused task's onResume inputs, as the API's resume takes them (multipart form
    fields and files); a field left empty is not sent, so its default applies."""
    execution = await run_in_threadpool(execution_in_flow, runtime, namespace, flow_id,
                                        execution_id)
    try:
        async with form_inputs(request) as inputs:
            await run_in_threadpool(control.resume, runtime, execution.id, inputs or None)
    except PodiumError as exc:
        return await run_in_threadpool(_refused, request, runtime, execution, exc)
    await run_in_threadpool(executions.wait_moved, runtime, execution)
    return _done(request, page_url(request, execution) + "?notice=resume")


@router.post(PAGE + "/review")
async def review(request: Request, namespace: str, flow_id: str, execution_id: str,
                 runtime: Runtime = Depends(runtime_of)) -> Response:
    """Approve or deny the paused Approval (Kestra's review), with its comment and inputs."""
    execution = await run_in_threadpool(execution_in_flow, runtime, namespace, flow_id,
                                        execution_id)
    user = getattr(request.state, "ui_user", None)
    try:
        async with form_inputs(request) as values:
            decision = str(values.pop("decision", ""))
            comment = str(values.pop("comment", "")) or None
            task_run_id = str(values.pop("taskRunId", "")) or None
            await run_in_threadpool(
                control.review, runtime, execution.id, decision, comment, values or None,
                task_run_id=task_run_id, by=None if user == ANONYMOUS else user)
    except PodiumError as exc:
        return await run_in_threadpool(_refused, request, runtime, execution, exc)
    await run_in_threadpool(executions.wait_moved, runtime, execution)
    return _done(request, page_url(request, execution) + "?notice=review")


@router.post(PAGE + "/labels")
def set_labels(request: Request, namespace: str, flow_id: str, execution_id: str,
               key: str = Form(""), value: str = Form(""), remove: str = Form(""),
               runtime: Runtime = Depends(runtime_of)) -> Response:
    """Add (or replace) one label (`key`, `value`), or remove one (`remove`: its key)."""
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)

    def change() -> None:
        if remove:
            executions.remove_labels(runtime, execution.id, [remove])
            return
        if not key.strip():
            raise Unprocessable("A label needs a key")
        if has_control_characters(key, name=True) or has_control_characters(value):
            raise Unprocessable(f"Invalid label: {PROBLEM}")
        executions.set_labels(runtime, execution.id, [(key.strip(), value)])
    return _act(request, runtime, execution, change, "labels")


# ------------------------------------------------------------------ forms

LIST_SUFFIX = "[]"


class form_inputs:  # noqa: N801 (used as a function: `async with form_inputs(request)`)
    """The form's fields as inputs: text as str (fields named `id[]`, a MULTISELECT's
    boxes, as one list), chosen files as Uploads streamed from their spooled parts; the CSRF token, empty
    fields and file fields left empty are not inputs."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.form = None

    async def __aenter__(self) -> dict[str, Any]:
        require_media_type(self.request, FORM_TYPES, "resume inputs")
        self.form = parsed_form(self.request)
        form = await self.form.__aenter__()
        values: dict[str, Any] = {}
        for key, value in form.multi_items():
            if key == CSRF_FIELD:
                continue
            if isinstance(value, UploadFile):
                if value.filename:
                    values[key] = Upload(upload_name(value.filename, key), stream=value.file)
                continue
            if has_control_characters(key, name=True) or has_control_characters(value):
                raise Unprocessable(f"Invalid input: {PROBLEM}")
            if key.endswith(LIST_SUFFIX):  # a MULTISELECT's boxes: a list, even of one
                values.setdefault(key.removesuffix(LIST_SUFFIX), []).append(value)
            elif value != "":
                values[key] = value
        return values

    async def __aexit__(self, *exc_info) -> bool | None:
        assert self.form is not None
        return await self.form.__aexit__(*exc_info)
