"""An execution's Outputs tab: its flow outputs and each task run's outputs as trees;
a stored file among them (a kestra:// URI) opens in a preview and downloads. Files are
read through the application layer, which refuses any file not of this execution."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from podium.api.context import file_download, runtime_of
from podium.api.ui.lookup import execution_in_flow
from podium.api.ui.output_view import PREVIEW_BYTES, preview, tree
from podium.api.ui.rendering import render
from podium.application import executions
from podium.runtime import Runtime

router = APIRouter()

EXECUTION = "/executions/{namespace}/{flow_id}/{execution_id}"
MAX_URI = 2048
# Task runs with outputs shown at most (a ForEach may have thousands); the API has all.
MAX_TASK_RUNS = 200


@router.get(EXECUTION + "/outputs")
def outputs_page(request: Request, namespace: str, flow_id: str, execution_id: str,
                 runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    runs = sorted((run for run in executions.task_runs(runtime, execution.id)
                   if run.outputs), key=lambda run: run.seq)
    task_outputs = [(run, tree("outputs", executions.resolved_outputs(runtime, run)))
                    for run in runs[:MAX_TASK_RUNS]]
    flow_outputs = tree("outputs", execution.outputs) if execution.outputs else None
    return render(request, "execution_outputs.html", execution=execution, tab="outputs",
                  flow_outputs=flow_outputs, task_outputs=task_outputs,
                  hidden_runs=max(0, len(runs) - MAX_TASK_RUNS))


@router.get(EXECUTION + "/outputs/preview")
def preview_page(request: Request, namespace: str, flow_id: str, execution_id: str,
                 path: str = Query(..., max_length=MAX_URI),
                 runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    name, size, head = executions.file_head(runtime, execution.id, path, PREVIEW_BYTES)
    return render(request, "execution_preview.html", execution=execution, tab="outputs",
                  uri=path, file=preview(name, size, head))


@router.get(EXECUTION + "/outputs/download")
def download_file(namespace: str, flow_id: str, execution_id: str,
                  path: str = Query(..., max_length=MAX_URI),
                  runtime: Runtime = Depends(runtime_of)) -> Response:
    execution = execution_in_flow(runtime, namespace, flow_id, execution_id)
    return file_download(*executions.open_file(runtime, execution.id, path))
