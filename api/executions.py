"""/api/v1/executions: start, read, search, follow and control executions, and read their
files (Kestra's ExecutionController). Control requests are checked here, then handed to
the executor as messages (202 for a kill, as Kestra)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from podium.api.bodies import FORM_TYPES, has_body, media_type, parsed_form, require_media_type
from podium.api.context import execution_json, file_download, runtime_of
from podium.api.errors import ApiError, Unprocessable
from podium.api.guard import basic_user
from podium.api.params import PROBLEM
from podium.application import control, executions, flows
from podium.application.executions import SYSTEM_PREFIX
from podium.common.control_characters import has_control_characters
from podium.common.errors import UnsafePathError
from podium.common.models.state import State
from podium.common.storage.uploads import Upload
from podium.common.storage.uris import check_name
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/executions", tags=["Executions"])

MULTIPART_BODY = {"requestBody": {"content": {"multipart/form-data": {"schema": {
    "type": "object", "additionalProperties": {"type": "string"}}}}}}
FOLLOW_POLL_SECONDS = 0.25


class Label(BaseModel):
    key: str = Field(min_length=1, max_length=255)
    value: str = Field(max_length=1024)

    @field_validator("key", "value")
    @classmethod
    def _printable(cls, text: str) -> str:
        if has_control_characters(text):
            raise ValueError(PROBLEM)
        return text


def parse_labels(pairs: list[str] | None) -> dict[str, str]:
    """Kestra's `key:value` label filters and labels; system labels are refused."""
    labels: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition(":")
        if not sep or not key:
            raise Unprocessable(f"Invalid label '{pair}': expected key:value",
                                [{"message": "expected key:value", "path": "labels"}])
        labels[key] = value
    return labels


@asynccontextmanager
async def form_values(request: Request) -> AsyncIterator[dict[str, Any]]:
    """The fields of a multipart (or url-encoded) form: text as str, files as Uploads
    streamed from their spooled parts (valid inside the `with`). No body gives no values;
    a body of another media type is a 415."""
    if not has_body(request) and not media_type(request):
        yield {}
        return
    require_media_type(request, FORM_TYPES, "execution inputs")
    async with parsed_form(request) as form:
        values: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                upload = Upload(upload_name(value.filename, key), stream=value.file)
                values[key] = upload
                if key == LEGACY_FILES_PART and value.filename:
                    # Before Kestra 0.24 a FILE input came as a part named `files` whose
                    # filename named the input; still accepted (deprecated) as Kestra does.
                    # (A flow whose FILE input is named `files` gets it under that name.)
                    values.setdefault(value.filename, upload)
            else:
                if has_control_characters(key) or has_control_characters(value):
                    raise Unprocessable(f"Invalid input `{shown(key)}`: {PROBLEM}",
                                        [{"message": PROBLEM, "path": f"inputs.{shown(key)}"}])
                values[key] = value
        yield values


LEGACY_FILES_PART = "files"


def upload_name(filename: str | None, part: str) -> str:
    """The file name a FILE input keeps; a hostile one (traversal, separators, control
    characters, too long) is refused naming the part, never echoing the name."""
    name = filename or part
    try:
        return check_name(name, "file name")
    except UnsafePathError as exc:
        reason = exc.reason.removeprefix("file name: ")
        raise Unprocessable(f"Invalid file name for input `{shown(part)}`: {reason}",
                            [{"message": reason, "path": f"inputs.{shown(part)}"}]) from None


def shown(text: str, limit: int = 64) -> str:
    """Client-given text fit to quote in an error: printable, and short."""
    printable = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return printable + ("..." if len(text) > limit else "")


# ---------------------------------------------------------------------- reads

@router.get("/search")
def search_executions(
        page: int = Query(1, ge=1, le=1_000_000), size: int = Query(10, ge=1, le=1000),
        namespace: str | None = None, flowId: str | None = None,  # noqa: N803 (Kestra's names)
        state: list[State] | None = Query(None),
        labels: list[str] | None = Query(None, description="key:value"),
        startDate: datetime | None = None, endDate: datetime | None = None,  # noqa: N803
        runtime: Runtime = Depends(runtime_of)) -> dict:
    found, total = executions.search(
        runtime, namespace=namespace or None, flow_id=flowId or None, states=state or None,
        labels=parse_labels(labels) or None, since=_utc(startDate), until=_utc(endDate),
        limit=size, offset=(page - 1) * size)
    return {"results": [e.to_api() for e in found], "total": total}


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


@router.get("/{execution_id}")
def get_execution_route(execution_id: str, runtime: Runtime = Depends(runtime_of)) -> dict:
    return execution_json(runtime, executions.require(runtime, execution_id))


@router.get("/{execution_id}/follow")
async def follow_execution(execution_id: str, request: Request,
                           runtime: Runtime = Depends(runtime_of)) -> StreamingResponse:
    """Server-sent events: one `start` event, then the execution each time it changes,
    until it ends (or pauses)."""
    await run_in_threadpool(executions.require, runtime, execution_id)

    async def events():
        yield _event({"id": execution_id}, "start")
        last = None
        while True:
            execution = await run_in_threadpool(executions.get, runtime, execution_id)
            if execution is None:
                return
            body = await run_in_threadpool(execution_json, runtime, execution)
            text = json.dumps(body, default=str)
            if text != last:
                last = text
                yield _event(body, execution.id)
            if execution.state.is_terminated or await request.is_disconnected():
                return
            await asyncio.sleep(FOLLOW_POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})


def _event(data: dict, event_id: str) -> str:
    return f"id: {event_id}\nevent: execution\ndata: {json.dumps(data, default=str)}\n\n"


@router.get("/{execution_id}/file")
def execution_file(execution_id: str,
                   path: str = Query(..., description="kestra:///... URI of the file"),
                   runtime: Runtime = Depends(runtime_of)) -> StreamingResponse:
    """Stream one stored file of the execution (its inputs and task outputs only)."""
    return file_download(*executions.open_file(runtime, execution_id, path))


@router.get("/{execution_id}/files")
def execution_files(execution_id: str, runtime: Runtime = Depends(runtime_of)) -> list:
    """Every stored file of the execution (inputs, task outputs), sorted by URI. Ours:
    Kestra has no such listing (its UI reads the URIs from inputs and outputs)."""
    executions.require(runtime, execution_id)
    return [{"uri": entry.uri, "size": entry.size,
             "modified": entry.modified.isoformat().replace("+00:00", "Z")}
            for entry in executions.files(runtime, execution_id)]


# ---------------------------------------------------------------------- control

@router.delete("/{execution_id}/kill", status_code=202)
def kill_execution(execution_id: str, runtime: Runtime = Depends(runtime_of)) -> Response:
    control.kill(runtime, execution_id)
    return Response(status_code=202)


@router.post("/{execution_id}/restart")
def restart_execution(execution_id: str, runtime: Runtime = Depends(runtime_of)) -> dict:
    execution = executions.require(runtime, execution_id)
    control.restart(runtime, execution_id)
    return execution_json(runtime, execution)


@router.post("/{execution_id}/replay")
def replay_execution(execution_id: str, taskRunId: str | None = None,  # noqa: N803
                     runtime: Runtime = Depends(runtime_of)) -> dict:
    """The new execution (the executor creates it; its id is known at once)."""
    executions.require(runtime, execution_id)
    new_id = control.replay(runtime, execution_id, taskRunId or None)
    created = executions.wait_created(runtime, new_id)
    if created is not None:
        return execution_json(runtime, created)
    return {"id": new_id, "originalId": execution_id}


class StateRequest(BaseModel):
    taskRunId: str  # noqa: N815 (Kestra's names)
    state: State


@router.post("/{execution_id}/state")
def set_task_run_state(execution_id: str, body: StateRequest = Body(...),
                       runtime: Runtime = Depends(runtime_of)) -> dict:
    """Force a terminated task run to SUCCESS / FAILED / WARNING (Kestra's changeState);
    the executor applies it, and the execution goes on from there."""
    execution = executions.require(runtime, execution_id)
    control.set_state(runtime, execution_id, body.taskRunId, body.state)
    return execution_json(runtime, execution)


@router.post("/{execution_id}/resume", status_code=204, openapi_extra=MULTIPART_BODY)
async def resume_execution(execution_id: str, request: Request,
                           runtime: Runtime = Depends(runtime_of)) -> Response:
    """Resume a PAUSED execution with the paused task's onResume inputs (form fields and
    files)."""
    await run_in_threadpool(executions.require, runtime, execution_id)
    async with form_values(request) as inputs:
        await run_in_threadpool(control.resume, runtime, execution_id, inputs or None)
    return Response(status_code=204)


class ReviewRequest(BaseModel):
    decision: str  # APPROVED / DENIED (APPROVE / DENY accepted)
    comment: str | None = None
    inputs: dict[str, Any] | None = None  # the Approval's `inputs`
    taskRunId: str | None = None  # noqa: N815 (Kestra's names); default: the first paused


@router.post("/{execution_id}/actions/review", status_code=202)
def review_execution(execution_id: str, request: Request, body: ReviewRequest = Body(...),
                     runtime: Runtime = Depends(runtime_of)) -> dict:
    """Approve or deny a PAUSED Approval task (Kestra's review action): the comment rule and
    the review inputs are checked here (400 / 422), then the executor resumes it."""
    executions.require(runtime, execution_id)
    task_run_id = control.review(runtime, execution_id, body.decision, body.comment,
                                 body.inputs, task_run_id=body.taskRunId,
                                 by=basic_user(request.headers.get("authorization")))
    return {"executionId": execution_id, "taskRunId": task_run_id}


@router.post("/{execution_id}/labels")
def set_labels(execution_id: str, labels: list[Label] = Body(...),
               runtime: Runtime = Depends(runtime_of)) -> dict:
    """Add or replace labels of a terminated execution (Kestra refuses running ones)."""
    updated = executions.set_labels(runtime, execution_id,
                                    [(label.key, label.value) for label in labels])
    return execution_json(runtime, updated)


# ---------------------------------------------------------------------- start

@router.post("/{namespace}/{flow_id}", openapi_extra=MULTIPART_BODY)
async def create_execution(namespace: str, flow_id: str, request: Request,
                           labels: list[str] | None = Query(None, description="key:value"),
                           wait: bool = False,
                           runtime: Runtime = Depends(runtime_of)) -> dict:
    """Start the latest revision of a flow; inputs are the form's fields, FILE inputs its
    files. With `wait` the answer comes when the execution ends (or pauses)."""
    extra = parse_labels(labels)
    if any(key.startswith(SYSTEM_PREFIX) and key != "system.correlationId" for key in extra):
        raise ApiError("System labels can only be set by Podium itself")
    # The flow must exist before its body is read (an upload to nothing costs nothing).
    await run_in_threadpool(flows.require, runtime, namespace, flow_id)
    async with form_values(request) as inputs:
        created = await run_in_threadpool(_submit, runtime, namespace, flow_id, inputs, extra)
    if wait:
        created = await _wait(runtime, created.id, request)
    return await run_in_threadpool(execution_json, runtime, created)


def _submit(runtime: Runtime, namespace: str, flow_id: str, inputs: dict, labels: dict):
    flows.require(runtime, namespace, flow_id)  # it may have been deleted meanwhile
    return executions.submit(runtime, namespace, flow_id, inputs or None,
                             labels=labels or None)


async def _wait(runtime: Runtime, execution_id: str, request: Request):
    while True:
        execution = await run_in_threadpool(executions.get, runtime, execution_id)
        if execution.state.is_terminated or execution.state is State.PAUSED \
                or await request.is_disconnected():
            return execution
        await asyncio.sleep(0.1)
