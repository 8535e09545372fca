"""/api/v1/outputs: outputs apart from the execution (Kestra 2.0's OutputController, which
its 2.0 migration guide sends API clients to: the execution response there no longer
carries task run outputs; Podium's still does, for 1.x clients)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from podium.api.context import runtime_of
from podium.application import executions
from podium.runtime import Runtime

router = APIRouter(prefix="/api/v1/outputs", tags=["Outputs"])


@router.get("/executions/{execution_id}")
def execution_outputs(execution_id: str,
                      runtime: Runtime = Depends(runtime_of)) -> dict[str, Any]:
    """The flow-level outputs of an execution."""
    return executions.require(runtime, execution_id).outputs or {}


@router.get("/tasks/{execution_id}")
def task_outputs_information(execution_id: str,
                             runtime: Runtime = Depends(runtime_of)) -> list[dict[str, Any]]:
    """The task runs of an execution that have outputs."""
    executions.require(runtime, execution_id)
    return [{"taskId": run.task_id, "taskRunId": run.id, "value": run.value,
             "iteration": run.iteration, "inline": True}
            for run in executions.task_runs(runtime, execution_id) if run.outputs]


@router.get("/tasks/{execution_id}/{task_run_id}")
def task_run_outputs(execution_id: str, task_run_id: str,
                     runtime: Runtime = Depends(runtime_of)) -> dict[str, Any]:
    """One task run's outputs, large ones read back from the internal storage."""
    return executions.task_run_outputs(runtime, execution_id, task_run_id)
