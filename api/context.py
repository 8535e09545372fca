"""What every route reads: the Runtime the app was built with, and request bodies."""

from __future__ import annotations

from typing import BinaryIO

from fastapi import Request
from fastapi.responses import StreamingResponse

from podium.application import executions
from podium.common.models.execution import Execution
from podium.common.storage.base import CHUNK_SIZE
from podium.runtime import Runtime

YAML_BODY = {"requestBody": {"required": True, "content": {
    "application/x-yaml": {"schema": {"type": "string"}}}}}


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def execution_json(runtime: Runtime, execution: Execution) -> dict:
    """Kestra's Execution JSON with its task runs, plus the UI address Kestra adds."""
    body = execution.to_api(executions.task_runs(runtime, execution.id))
    body["url"] = f"/ui/executions/{execution.namespace}/{execution.flow_id}/{execution.id}"
    return body


def file_download(source: BinaryIO, name: str) -> StreamingResponse:
    """A stored file sent in chunks (closed when sent) as an attachment named `name`."""
    def chunks():
        with source:
            while block := source.read(CHUNK_SIZE):
                yield block

    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{name.replace(chr(34), "")}"'})
