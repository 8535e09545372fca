"""The executor's pure core: one message over one locked execution -> a Decision.

`process()` never does I/O. The handler loads the execution, its task runs and its flow,
calls `process()`, persists the Decision and only then publishes the commands it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from podium.common.flow.model import Flow
from podium.common.messages import KillExecution, Message, StartExecution, TaskResult, TimerFired
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State, StateHistory
from podium.executor.engine.advance import advance, start_execution
from podium.executor.engine.commands import (
    CreateExecution,
    Decision,
    ExecutionEnded,
    KillChildren,
    KillRunningTasks,
    ScheduleTimer,
)
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.dispatch import dispatch_attempt
from podium.executor.engine.facts import Facts
from podium.executor.engine.registry import EngineWiring
from podium.executor.engine.results import apply_task_result
from podium.executor.engine.view import ExecutionTx, NeedFoldedRuns


def process(flow: Flow, execution: Execution, task_runs: list[TaskRun], message: Message,
            now: datetime, config: EngineConfig | None = None, facts: Facts | None = None,
            folded_loaded: frozenset[str] | Literal[True] = frozenset(), *,
            wiring: EngineWiring) -> Decision:
    """`task_runs`: the live task runs, plus the folded runs of the `folded_loaded` task ids.
    `facts`: what the core cannot read itself, read by the handler under the right locks
    (executor/engine/facts.py).
    `wiring`: which function handles each message, timer and flowable (executor/wiring.py).
    A Decision with `needs_folded` asks for those tasks' folded runs and a second call."""
    config = config or EngineConfig()
    tx = ExecutionTx(flow, execution, task_runs, now, folded_loaded=folded_loaded,
                     wiring=wiring)
    tx.facts = facts.copy() if facts is not None else Facts()
    try:
        ignored = _handle(tx, message, config)
        if ignored is None:
            advance(tx, config)
    except NeedFoldedRuns as need:
        return Decision(execution=execution, needs_folded=need.task_ids)
    return tx.decision(ignored)


def _handle(tx: ExecutionTx, message: Message, config: EngineConfig) -> str | None:
    handler = tx.wiring.handlers.get(type(message))
    if handler is None:
        return f"no handler for {type(message).__name__}"
    return handler(tx, message, config)


# The handlers of the core messages and timers follow; executor/wiring.py lists them.
def handle_start(tx: ExecutionTx, message: StartExecution, config: EngineConfig) -> str | None:
    return start_execution(tx)


def handle_task_result(tx: ExecutionTx, message: TaskResult,
                       config: EngineConfig) -> str | None:
    return apply_task_result(tx, message, config)


# The EngineState fields keeping the id of the last applied request of a kind: a copy of
# it (a duplicate delivery) is then recognised.
KILL_REQUEST, RESUME_REQUEST = "kill_request", "resume_request"


def applied_before(tx: ExecutionTx, key: str, request_id: str) -> bool:
    applied: str | None = getattr(tx.execution.engine, key)
    return applied == request_id


def remember_request(tx: ExecutionTx, key: str, request_id: str) -> None:
    tx.set_execution(tx.execution.with_engine(**{key: request_id}))


def handle_kill(tx: ExecutionTx, message: KillExecution, config: EngineConfig) -> str | None:
    if applied_before(tx, KILL_REQUEST, message.request_id):
        return "a copy of the kill already applied"
    if (tx.flow.after_execution and tx.execution.state in _KILLED_THEN_AFTER
            and tx.execution.engine.pending_final_state is None):
        why = kill_before_after_execution(tx)
        remember_request(tx, KILL_REQUEST, message.request_id)
        return why
    return kill(tx)


# Started executions a kill leaves running their afterExecution tasks (Kestra runs them
# once the execution is terminated, KILLED included); a second kill stops those too.
_KILLED_THEN_AFTER = (State.RUNNING, State.PAUSED, State.RETRYING)


def _kill_unfinished_runs(tx: ExecutionTx) -> None:
    """Every unfinished task run KILLED; the workers running an attempt told to stop."""
    running = []
    for run in tx.runs():
        if run.state.is_terminated:
            continue
        if run.state is State.RUNNING and run.attempts:
            running.append(run)
        tx.move_run(run, State.KILLED)
    if running:
        tx.emit(KillRunningTasks.of(running))


def kill_before_after_execution(tx: ExecutionTx) -> str | None:
    """Every unfinished task run KILLED, workers and subflow executions told to stop; the
    execution stays RUNNING for its afterExecution tasks, KILLED pending (advance)."""
    _kill_unfinished_runs(tx)
    tx.emit(KillChildren(tx.execution.id))
    if tx.execution.state is not State.RUNNING:
        tx.move_execution(State.RUNNING)
    tx.set_execution(tx.execution.with_engine(pending_final_state=State.KILLED))
    tx.log(None, "INFO", "Execution killed: running its afterExecution tasks")
    return None


def kill(tx: ExecutionTx) -> str | None:
    """Kill: KILLING, every unfinished task run KILLED, workers told to stop, then KILLED."""
    if tx.execution.state.is_terminated or tx.execution.state is State.KILLING:
        return "execution already terminated or being killed"
    tx.move_execution(State.KILLING)
    _kill_unfinished_runs(tx)
    tx.move_execution(State.KILLED)
    tx.emit(ExecutionEnded(tx.execution))  # parents and subflow children (kill cascade)
    return None


def fire_timer(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    if message.timer_kind == "new_execution":
        return create_retry_execution(tx)
    if tx.execution.state.is_terminated:
        return "execution already terminated"
    handler = tx.wiring.timer_handlers.get(message.timer_kind)
    if handler is None:
        return f"unknown timer kind {message.timer_kind}"
    return handler(tx, message, config)


def scheduled_start_due(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    return start_execution(tx, scheduled=True)


def retry_due(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id or "")
    if run is None or run.state is not State.RETRYING:
        return "retry timer for a task run that is not retrying"
    run = tx.move_run(run, State.CREATED)
    if tx.execution.state is State.RETRYING:
        tx.move_execution(State.RUNNING)
    dispatch_attempt(tx, run, config)
    return None


def wait_round_due(tx: ExecutionTx, message: TimerFired, config: EngineConfig) -> str | None:
    return None  # the WaitFor resolver sees its round is due when `advance` runs


def create_retry_execution(tx: ExecutionTx) -> str | None:
    """The next attempt of a RETRIED execution: same revision, inputs, labels and trigger;
    `parent_id` the old one, `original_id` kept, attempt number + 1. Recorded on the old
    execution so a redelivered timer message creates nothing twice."""
    source = tx.execution
    if source.state is not State.RETRIED or source.engine.retried_as:
        return "retry execution already created"
    retry = Execution(
        namespace=source.namespace, flow_id=source.flow_id, flow_revision=source.flow_revision,
        history=StateHistory.new(tx.now), inputs=source.inputs, labels=source.labels,
        trigger=source.trigger, parent_id=source.id, original_id=source.original_id or source.id,
        attempt_number=source.attempt_number + 1,
        original_created_date=source.original_created_date or source.history.start_date)
    tx.set_execution(source.with_engine(retried_as=retry.id))
    tx.emit(CreateExecution(retry))
    return None


__all__ = ["process", "ScheduleTimer"]

