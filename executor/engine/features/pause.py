"""The Pause task and resuming a paused execution (Kestra's Pause, ExecutorService
handlePausedDelay and ExecutionService.resume / markAs).

- First resolution of a Pause task run (RUNNING, no PAUSED in its history): the run and the
  execution become PAUSED. `delay` (or the newer `pauseDuration`) schedules a
  "pause_delay" timer that resumes it (RUNNING, or what `behavior` says); else `timeout`
  schedules a "pause_timeout" timer that makes it FAILED. The delay wins if both are set.
- Resuming (ResumeExecution, or a delay timer): the first PAUSED task run becomes RUNNING
  (a Pause without `tasks` goes straight on to SUCCESS); `outputs.onResume` holds the typed
  `onResume` inputs. The execution goes PAUSED -> RESTARTED -> RUNNING, the history Kestra
  leaves, unless another task run is still PAUSED (parallel pauses): then it stays PAUSED.
- A resumed Pause with `tasks` (deprecated) runs them as a sequential scope.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from podium.common.durations import parse_duration
from podium.common.errors import PodiumError
from podium.common.flow.model import Flow
from podium.common.inputs import InputErrors, resolve_inputs, to_json_value
from podium.common.messages import ResumeExecution, TimerFired
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.fields import is_expression
from podium.common.plugins.tasks.flow import Pause
from podium.common.plugins.tasks.flow_approval import Approval
from podium.common.templating import render_typed
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.commands import ScheduleTimer
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.flowables import StartRun, _render
from podium.executor.engine.process import RESUME_REQUEST, applied_before, remember_request
from podium.executor.engine.view import ExecutionTx

DELAY, TIMEOUT = "pause_delay", "pause_timeout"
# What a `pauseDuration` elapsing does, per `behavior` (Kestra's Pause.Behavior).
_BEHAVIOR = {"RESUME": State.RUNNING, "WARN": State.WARNING, "CANCEL": State.CANCELLED,
             "FAIL": State.FAILED}


# ------------------------------------------------------------------ shared with the CLI/API
def first_paused(flow: Flow, runs: list[TaskRun]) -> tuple[TaskRun | None, Any]:
    """The task run a resume applies to (Kestra: findFirstByState(PAUSED)) and its task."""
    paused = sorted((r for r in runs if r.state is State.PAUSED), key=lambda r: r.seq)
    if not paused:
        return None, None
    return paused[0], flow.task_index().get(paused[0].task_id)


def typed_resume_inputs(task: Any, provided: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The Pause's `onResume` inputs typed as JSON (None when it declares none). Raises
    InputErrors, like execution inputs: required, types, defaults, dependsOn."""
    declarations = getattr(task, "on_resume", None)
    if not declarations:
        return None
    typed: dict[str, Any] = to_json_value(
        resolve_inputs(declarations, provided or {}, render_typed=render_typed))
    return typed


# ------------------------------------------------------------------ resolving
def resolve_pause(tx: ExecutionTx, config: EngineConfig, task: Pause, run: TaskRun,
                  start: StartRun) -> State | None:
    if not run.history.entered(State.PAUSED):
        _schedule(tx, config, task, run)
        # A retrying execution cannot be PAUSED by the state table; it pauses once running.
        if tx.execution.state is State.RUNNING:
            tx.move_execution(State.PAUSED)
        return State.PAUSED
    if not task.tasks:
        return State.SUCCESS
    return resolve_scope(tx, Scope(run, task.tasks, task.errors or [], task.finally_ or []),
                         start)


def _schedule(tx: ExecutionTx, config: EngineConfig, task: Pause, run: TaskRun) -> None:
    delay = _duration(tx, config, task, run, task.delay or task.pause_duration)
    kind = DELAY
    if delay is None:
        delay, kind = _duration(tx, config, task, run, task.timeout), TIMEOUT
    if delay is not None:
        tx.emit(ScheduleTimer(timer_id=f"{kind}:{run.id}", fire_at=tx.now + delay, kind=kind,
                              task_run_id=run.id))


def _duration(tx: ExecutionTx, config: EngineConfig, task: Pause | Approval, run: TaskRun,
              text: str | None) -> timedelta | None:
    if not text:
        return None
    if is_expression(text):  # Kestra renders Property<Duration>; null means "not set"
        text = _render(tx, config, task, run, text)
        if not text or not text.strip():
            return None
    try:
        return parse_duration(text.strip())
    except (PodiumError, ValueError) as exc:
        tx.log(run.id, "ERROR", f"{task.id}: invalid pause duration '{text}': {exc}")
        return None


# ------------------------------------------------------------------ resuming
def handle_resume(tx: ExecutionTx, message: ResumeExecution, config: EngineConfig) -> str | None:
    if tx.execution.state is not State.PAUSED:
        return f"execution is not paused ({tx.execution.state.value})"
    if applied_before(tx, RESUME_REQUEST, message.request_id):
        return "a copy of a resume already applied"
    run, task = first_paused(tx.flow, tx.runs())
    if run is None:  # a manual pause of the whole execution: it just runs again
        tx.move_execution(State.RUNNING)
    else:
        try:
            on_resume = typed_resume_inputs(task, message.inputs)
        except InputErrors as exc:
            # The CLI / API validate before publishing; a message that still fails is dropped.
            return f"invalid onResume inputs: {exc}"
        unpause(tx, run, task, State.RUNNING, on_resume)
    remember_request(tx, RESUME_REQUEST, message.request_id)
    return None


def pause_elapsed(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id or "")
    if run is None or run.state is not State.PAUSED:
        return "pause timer for a task run that is no longer paused"
    task = tx.task(run.task_id)
    if not isinstance(task, Pause):  # only a Pause schedules these timers
        return f"pause timer for task '{run.task_id}', which is not a Pause"
    state = State.FAILED
    if message.timer_kind == DELAY:
        # `delay` always resumes; `behavior` only applies to the newer `pauseDuration`.
        state = State.RUNNING if task.delay else _BEHAVIOR[task.behavior or "RESUME"]
    try:
        on_resume = typed_resume_inputs(task, {})  # no one answered: defaults only
    except InputErrors:
        on_resume = None
    unpause(tx, run, task, state, on_resume)
    return None


def unpause(tx: ExecutionTx, run: TaskRun, task: Any, state: State,
            on_resume: dict[str, Any] | None) -> None:
    """Kestra's markAs for a paused run: the run takes `state` (a Pause without tasks
    resumed to RUNNING ends SUCCESS), then the execution runs again unless another task
    run is still paused."""
    if getattr(task, "on_resume", None):
        run = tx.put_run(run.model_copy(update={"outputs": {**(run.outputs or {}),
                                                            "onResume": on_resume}}))
    run = tx.move_run(run, state)
    if isinstance(task, Pause) and not task.tasks and state is State.RUNNING:
        tx.move_run(run, State.SUCCESS)
    if any(other.state is State.PAUSED for other in tx.runs()):
        return  # parallel pauses: the execution stays PAUSED until the last one resumes
    tx.move_execution(State.RESTARTED)
    tx.move_execution(State.RUNNING)  # Kestra's handleRestart, in the same step
