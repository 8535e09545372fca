"""Checking a reviewer's decision on an Approval before it is sent to the executor (Kestra's
ExecutionService.decide): the decision's name, the comment rule, the review inputs typed
like flow inputs. Pure: the caller finds the paused task run and publishes the message."""

from __future__ import annotations

from typing import Any, Mapping

from podium.common.errors import PodiumError
from podium.common.inputs import resolve_inputs, to_json_value
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.fields import is_expression
from podium.common.plugins.tasks.flow_approval import Approval
from podium.common.templating import render_typed

# What a caller may write for each decision (the API's body, the CLI's flags).
_NAMES = {"APPROVED": "APPROVED", "APPROVE": "APPROVED", "DENIED": "DENIED", "DENY": "DENIED"}


def decision_name(text: str) -> str:
    """APPROVED or DENIED; raises PodiumError for anything else."""
    decision = _NAMES.get(str(text).strip().upper())
    if decision is None:
        raise PodiumError(f"decision must be APPROVED or DENIED, got '{text}'")
    return decision


def paused_approval(flow: Any, runs: list[TaskRun],
                    task_run_id: str | None) -> tuple[TaskRun, Approval]:
    """The PAUSED Approval run a decision applies to: `task_run_id`, else the first one."""
    index = flow.task_index()
    candidates = sorted((r for r in runs if isinstance(index.get(r.task_id), Approval)),
                        key=lambda r: r.seq)
    if task_run_id is not None:
        run = next((r for r in runs if r.id == task_run_id), None)
        if run is None or not isinstance(index.get(run.task_id), Approval):
            raise PodiumError(f"task run {task_run_id} is not an Approval of this execution")
    else:
        run = next((r for r in candidates if r.state is State.PAUSED), None)
        if run is None:
            raise PodiumError("no Approval of this execution awaits a decision")
    if run.state is not State.PAUSED:
        raise PodiumError(f"task run {run.id} ({run.task_id}) is not paused "
                          f"({run.state.value}): it was decided already or never waited")
    return run, index[run.task_id]


def check_review(task: Approval, decision: str, comment: str | None,
                 inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """The review `inputs` typed as JSON; raises PodiumError when the comment the task
    requires is missing, InputErrors when an input is invalid."""
    rule = task.comment_required
    if isinstance(rule, str) and not is_expression(rule):
        needed = rule == "ALWAYS" or (rule, decision) in (("ON_DENY", "DENIED"),
                                                          ("ON_APPROVE", "APPROVED"))
        if needed and not (comment or "").strip():
            raise PodiumError(f"Approval '{task.id}' requires a comment "
                              f"(commentRequired: {rule})")
    if not task.inputs:
        return {}
    resolved: dict[str, Any] = to_json_value(
        resolve_inputs(task.inputs, inputs or {}, render_typed=render_typed))
    return resolved
