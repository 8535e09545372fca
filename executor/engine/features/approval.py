"""The Approval task: wait for a reviewer's decision (Kestra's Approval, core 2.0).

- First resolution: `outputs.url` (the execution's page, as the API's execution `url`), then
  `autoApprove` (rendered per execution) records APPROVED with
  `auto: true` and goes straight to `onApprove`. Otherwise `onWait` runs (a sequential
  scope with the task's `errors`); when it fails (allowFailure off) the task's `finally`
  runs and the task fails; when it ends, or when there is none, the run and the execution
  become PAUSED, and `timeout` schedules an "approval_expire" timer (`outputs.due`).
- A ReviewExecution (the submitter checked the comment rule and typed the inputs) records
  `decision`, `auto: false`, `by`, `on`, `comment`, `inputs` on the PAUSED run and resumes
  it like a Pause (the execution stays PAUSED while another run is still paused). The timer
  records EXPIRED the same way. A plain resume records nothing: both branches are skipped.
- Then the branch runs: `onApprove` (APPROVED), `onDeny` (DENIED), none (EXPIRED), with the
  task's `errors` and `finally`. A branch that failed gives its state as it is; otherwise
  the decision's behavior maps it: CONTINUE keeps it, WARN / FAIL give WARNING / FAILED,
  and SUCCEED / CANCEL / KILL end the whole execution in SUCCESS / CANCELLED / KILLED, as an
  Exit task does (nothing else starts; KILL also kills what still runs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.errors import TemplateError
from podium.common.messages import ReviewExecution, TimerFired
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.flow_approval import Approval
from podium.common.templating import is_truthy, render
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.commands import ScheduleTimer
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.features.exit import end_execution_from
from podium.executor.engine.features.pause import _duration, unpause
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.view import ExecutionTx

EXPIRE = "approval_expire"
_MAPPED = {"WARN": State.WARNING, "FAIL": State.FAILED}
_EXECUTION_ENDS = {"SUCCEED": State.SUCCESS, "CANCEL": State.CANCELLED, "KILL": State.KILLED}
_IN_ERROR = (State.FAILED, State.KILLED)


def resolve_approval(tx: ExecutionTx, config: EngineConfig, task: Approval, run: TaskRun,
                     start: StartRun) -> State | None:
    decision: str | None = (run.outputs or {}).get("decision")
    if decision is None and not run.history.entered(State.PAUSED):
        if "url" not in (run.outputs or {}):
            run = _record(tx, run, url=execution_url(tx.execution))
        auto = _rendered(tx, config, task, run, task.auto_approve, "autoApprove")
        if auto is None:
            return State.FAILED
        if not is_truthy(auto):
            return _wait(tx, config, task, run, start)
        run = _record(tx, run, decision="APPROVED", auto=True)
        decision = "APPROVED"
    branch = {"APPROVED": task.on_approve, "DENIED": task.on_deny}.get(decision or "") or []
    state = resolve_scope(tx, Scope(run, branch, task.errors or [], task.finally_ or []), start)
    if state is None or decision is None or state in _IN_ERROR:
        return state
    return _behave(tx, config, task, run, decision, state)


def _wait(tx: ExecutionTx, config: EngineConfig, task: Approval, run: TaskRun,
          start: StartRun) -> State | None:
    if task.on_wait:
        state = resolve_scope(tx, Scope(run, task.on_wait, task.errors or [], []), start)
        if state is None:
            return None
        if state in _IN_ERROR and not task.allow_failure:
            # Kestra runs `finally` here only: the branch phase that would is never reached.
            return resolve_scope(tx, Scope(run, task.on_wait, task.errors or [],
                                           task.finally_ or []), start)
    _schedule_expiry(tx, config, task, run)
    if tx.execution.state is State.RUNNING:  # a retrying execution pauses once running
        tx.move_execution(State.PAUSED)
    return State.PAUSED


def _schedule_expiry(tx: ExecutionTx, config: EngineConfig, task: Approval, run: TaskRun) -> None:
    timeout = _duration(tx, config, task, run, task.timeout)
    if timeout is None:
        return
    due = tx.now + timeout
    _record(tx, tx.require_run(run.id), due=_iso(due))
    tx.emit(ScheduleTimer(timer_id=f"{EXPIRE}:{run.id}", fire_at=due, kind=EXPIRE,
                          task_run_id=run.id))


def _behave(tx: ExecutionTx, config: EngineConfig, task: Approval, run: TaskRun, decision: str,
            state: State) -> State:
    prop = {"APPROVED": task.approve_behavior, "DENIED": task.deny_behavior,
            "EXPIRED": task.expire_behavior}[decision]
    behavior = _rendered(tx, config, task, run, prop, "behavior")
    if behavior is None:
        return State.FAILED
    behavior = behavior.strip().upper()
    if behavior in _MAPPED:
        return _MAPPED[behavior]
    ends = _EXECUTION_ENDS.get(behavior)
    if ends is None:
        if behavior != "CONTINUE":
            tx.log(run.id, "ERROR", f"{task.id}: unknown behavior '{behavior}' (CONTINUE, "
                                    f"WARN, FAIL, SUCCEED, CANCEL, KILL)")
            return State.FAILED
        return state
    tx.log(run.id, "INFO", f"{decision.lower()}: ending the execution with state "
                           f"{ends.value} ({behavior})")
    return end_execution_from(tx, run, ends)


def _rendered(tx: ExecutionTx, config: EngineConfig, task: Approval, run: TaskRun, value: object,
              name: str) -> str | None:
    """A property that may be an expression, as text (None, logged, when it fails)."""
    if not isinstance(value, str):
        return "true" if value is True else "false" if value is False else str(value)
    try:
        return render(value, task_context(tx, config, run, task))
    except TemplateError as exc:
        tx.log(run.id, "ERROR", f"{task.id}: cannot render {name}: {exc.message}")
        return None


def _record(tx: ExecutionTx, run: TaskRun, **values: Any) -> TaskRun:
    return tx.put_run(run.model_copy(update={"outputs": {**(run.outputs or {}), **values}}))


def execution_url(execution: Execution) -> str:
    """Kestra's `url` output links the execution's page, as the API's execution `url` does
    (relative: the server's address is not known)."""
    return f"/ui/executions/{execution.namespace}/{execution.flow_id}/{execution.id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------------ decisions
def handle_review(tx: ExecutionTx, message: ReviewExecution, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id)
    if run is None or run.state is not State.PAUSED:
        return f"task run {message.task_run_id} is not paused"
    task = tx.task(run.task_id)
    if not isinstance(task, Approval):
        return f"task {run.task_id} is not an Approval"
    run = _record(tx, run, decision=message.decision, auto=False, by=message.by,
                  on=_iso(message.on or tx.now), comment=message.comment,
                  inputs=message.inputs or {})
    unpause(tx, run, task, State.RUNNING, None)
    return None


def approval_expired(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id or "")
    if run is None or run.state is not State.PAUSED:
        return "approval already decided"
    run = _record(tx, run, decision="EXPIRED", auto=False, by=None, on=_iso(tx.now))
    unpause(tx, run, tx.task(run.task_id), State.RUNNING, None)
    return None
