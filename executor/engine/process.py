"""The executor's pure core: one message over one locked execution -> a Decision.

`process()` never does I/O. The handler loads the execution, its task runs and its flow,
calls `process()`, persists the Decision and only then publishes the commands it holds.
"""

from __future__ import annotations

from datetime import datetime

from common.flow.model import Flow
from common.messages import (KillExecution, Message, ResumeExecution, StartExecution,
                             TaskResult, TimerFired)
from common.models.execution import Execution, TaskRun
from common.models.state import State, StateHistory
from executor.engine.advance import advance, start_execution
from executor.engine.commands import CreateExecution, Decision, KillRunningTasks, ScheduleTimer
from executor.engine.context import EngineConfig
from executor.engine.dispatch import dispatch_attempt
from executor.engine.results import apply_task_result
from executor.engine.view import ExecutionTx


def process(flow: Flow, execution: Execution, task_runs: list[TaskRun], message: Message,
            now: datetime, config: EngineConfig | None = None) -> Decision:
    config = config or EngineConfig()
    tx = ExecutionTx(flow, execution, task_runs, now)
    ignored = _handle(tx, message, config)
    if ignored is None:
        advance(tx, config)
    return tx.decision(ignored)


def _handle(tx: ExecutionTx, message: Message, config: EngineConfig) -> str | None:
    if isinstance(message, StartExecution):
        return start_execution(tx)
    if isinstance(message, TaskResult):
        return apply_task_result(tx, message, config)
    if isinstance(message, KillExecution):
        return kill(tx)
    if isinstance(message, TimerFired):
        return fire_timer(tx, message, config)
    if isinstance(message, ResumeExecution):
        return "resume is not supported for this execution"
    return f"unknown message {type(message).__name__}"


def kill(tx: ExecutionTx) -> str | None:
    """Kill: KILLING, every unfinished task run KILLED, workers told to stop, then KILLED."""
    if tx.execution.state.is_terminated or tx.execution.state is State.KILLING:
        return "execution already terminated or being killed"
    tx.move_execution(State.KILLING)
    running = []
    for run in tx.runs():
        if run.state.is_terminated:
            continue
        if run.state is State.RUNNING and run.attempts:
            running.append(run.id)
        tx.move_run(run, State.KILLED)
    if running:
        tx.emit(KillRunningTasks(tuple(running)))
    tx.move_execution(State.KILLED)
    return None


def fire_timer(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    if message.timer_kind == "new_execution":
        return create_retry_execution(tx)
    if tx.execution.state.is_terminated:
        return "execution already terminated"
    if message.timer_kind == "start":
        return start_execution(tx, scheduled=True)
    if message.timer_kind == "retry":
        run = tx.run(message.task_run_id or "")
        if run is None or run.state is not State.RETRYING:
            return "retry timer for a task run that is not retrying"
        run = tx.move_run(run, State.CREATED)
        if tx.execution.state is State.RETRYING:
            tx.move_execution(State.RUNNING)
        dispatch_attempt(tx, run, config)
        return None
    if message.timer_kind == "waitfor":
        return None  # the WaitFor resolver sees its round is due when `advance` runs
    return f"unknown timer kind {message.timer_kind}"


RETRIED_AS = "retriedAs"


def create_retry_execution(tx: ExecutionTx) -> str | None:
    """The next attempt of a RETRIED execution: same revision, inputs, labels and trigger;
    `parent_id` the old one, `original_id` kept, attempt number + 1. Recorded on the old
    execution so a redelivered timer message creates nothing twice."""
    source = tx.execution
    variables = dict(source.variables or {})
    if source.state is not State.RETRIED or variables.get(RETRIED_AS):
        return "retry execution already created"
    retry = Execution(
        namespace=source.namespace, flow_id=source.flow_id, flow_revision=source.flow_revision,
        history=StateHistory.new(tx.now), inputs=source.inputs, labels=source.labels,
        trigger=source.trigger, parent_id=source.id, original_id=source.original_id or source.id,
        attempt_number=source.attempt_number + 1,
        original_created_date=source.original_created_date or source.history.start_date)
    variables[RETRIED_AS] = retry.id
    tx.set_execution(source.model_copy(update={"variables": variables}))
    tx.emit(CreateExecution(retry))
    return None


__all__ = ["process", "ScheduleTimer"]
