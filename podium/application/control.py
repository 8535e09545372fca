"""Execution control: kill, restart, replay, set a task run's state, resume, review.

Each checks what it can before publishing (NotFoundError, ConflictError, PodiumError,
InputErrors), so a caller gets the reason instead of the executor dropping the message;
the executor checks again under the execution's lock."""

from __future__ import annotations

from typing import Any

from podium.application.executions import require_running
from podium.application.parts import Parts
from podium.common.approval_review import check_review, decision_name, paused_approval
from podium.common.errors import NotFoundError, PodiumError
from podium.common.inputs import InputType
from podium.common.messages import (
    KillExecution,
    ReplayExecution,
    RestartExecution,
    ResumeExecution,
    ReviewExecution,
    SetTaskRunState,
)
from podium.common.models.execution import Execution, TaskRun, new_id
from podium.common.models.state import State
from podium.common.storage.uploads import InputUploads
from podium.common.store import get_execution, load_task_runs
from podium.common.store.types import utcnow
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.engine.features.pause import first_paused, typed_resume_inputs
from podium.executor.engine.features.restart import (
    why_not_replay,
    why_not_restart,
    why_not_set_state,
)


def kill(parts: Parts, execution_id: str) -> None:
    """Ask the executor to kill a running execution (its running tasks are stopped on the
    workers); NotFoundError when there is none, ConflictError when it already ended."""
    require_running(parts, execution_id)
    parts.transport.publish(EXECUTOR_QUEUE, KillExecution(execution_id=execution_id).encode())


def restart(parts: Parts, execution_id: str) -> None:
    """Re-run the failed (killed, paused) task runs of a terminated execution."""
    execution, runs = _target(parts, execution_id)
    _refuse(why_not_restart(execution, runs))
    parts.transport.publish(EXECUTOR_QUEUE,
                            RestartExecution(execution_id=execution_id).encode())


def replay(parts: Parts, execution_id: str, task_run_id: str | None = None) -> str:
    """Run a terminated execution again as a new one (from `task_run_id` when given);
    returns the new execution's id, known before the executor creates it."""
    execution, runs = _target(parts, execution_id)
    run = next((r for r in runs if r.id == task_run_id), None)
    _refuse(why_not_replay(execution, run, task_run_id))
    replay_id = new_id()
    parts.transport.publish(EXECUTOR_QUEUE, ReplayExecution(
        execution_id=execution_id, task_run_id=task_run_id,
        new_execution_id=replay_id).encode())
    return replay_id


def set_state(parts: Parts, execution_id: str, task_run_id: str, state: State | str) -> None:
    """Force a terminated task run to SUCCESS / FAILED / WARNING; the execution goes on."""
    try:
        state = State(str(getattr(state, "value", state)).upper())
    except ValueError:
        raise PodiumError(f"unknown state {state}") from None
    execution, runs = _target(parts, execution_id)
    run = next((r for r in runs if r.id == task_run_id), None)
    _refuse(why_not_set_state(execution, run, task_run_id, state))
    parts.transport.publish(EXECUTOR_QUEUE, SetTaskRunState(
        execution_id=execution_id, task_run_id=task_run_id, state=state).encode())


def resume(parts: Parts, execution_id: str, inputs: dict[str, Any] | None = None) -> None:
    """Ask the executor to resume a PAUSED execution. The execution's state and the
    paused task's `onResume` inputs are checked here (PodiumError, InputErrors); files
    given to FILE inputs are stored first (and removed if the inputs are refused)."""
    execution, runs = _target(parts, execution_id)
    if execution.state is not State.PAUSED:
        raise PodiumError(f"execution {execution_id} is not paused "
                          f"({execution.state.value})")
    flow = _flow_of(parts, execution)
    _, task = first_paused(flow, runs)
    uploads = InputUploads(parts.storage) if parts.storage else None
    try:
        inputs = _stored_files(task, inputs, uploads, execution)
        typed_resume_inputs(task, inputs)
    except BaseException:
        if uploads:
            uploads.discard()
        raise
    parts.transport.publish(EXECUTOR_QUEUE, ResumeExecution(
        execution_id=execution_id, inputs=inputs or None).encode())


def review(parts: Parts, execution_id: str, decision: str, comment: str | None = None,
           inputs: dict[str, Any] | None = None, task_run_id: str | None = None,
           by: str | None = None) -> str:
    """Decide a PAUSED Approval (APPROVED / DENIED), checked here first (comment rule,
    review inputs); returns the task run decided."""
    decision = decision_name(decision)
    execution, runs = _target(parts, execution_id)
    run, task = paused_approval(_flow_of(parts, execution), runs, task_run_id)
    typed = check_review(task, decision, comment, inputs)
    parts.transport.publish(EXECUTOR_QUEUE, ReviewExecution(
        execution_id=execution_id, task_run_id=run.id, decision=decision,
        comment=comment, inputs=typed, by=by, on=utcnow()).encode())
    return run.id


def _target(parts: Parts, execution_id: str) -> tuple[Execution, list[TaskRun]]:
    with parts.db.read() as conn:
        execution = get_execution(conn, execution_id)
        if execution is None:
            raise NotFoundError(f"execution {execution_id} not found")
        return execution, load_task_runs(conn, execution_id)


def _flow_of(parts: Parts, execution: Execution) -> Any:
    """The flow revision the execution runs."""
    with parts.db.read() as conn:
        return parts.flows.get(conn, execution.namespace, execution.flow_id,
                               execution.flow_revision)


def _stored_files(task: Any, inputs: dict[str, Any] | None, uploads: InputUploads | None,
                  execution: Execution) -> dict[str, Any] | None:
    """`inputs` with the files given to FILE onResume inputs replaced by their stored URIs:
    the ResumeExecution message carries JSON only."""
    files = {d.id for d in getattr(task, "on_resume", None) or []
             if InputType(d.type) is InputType.FILE}
    pending = {k: v for k, v in (inputs or {}).items()
               if k in files and v is not None and not isinstance(v, str)}
    if not pending:
        return inputs
    if uploads is None:
        raise PodiumError("FILE inputs need an internal storage")
    store = uploads.for_execution(execution.namespace, execution.flow_id, execution.id)
    return {**inputs, **{key: store(key, value) for key, value in pending.items()}}


def _refuse(reason: str | None) -> None:
    if reason:
        raise PodiumError(reason)
