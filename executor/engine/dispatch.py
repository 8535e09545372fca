"""Creating task runs and sending runnable attempts to workers.

A new task run first evaluates `runIf` (falsy: SKIPPED; render error: FAILED). A runnable
task run is then dispatched at once: it moves to RUNNING with a new attempt and a
DispatchTask command carries its definition and its expression context to a worker.
A flowable task run moves to RUNNING and is resolved by `advance`.
"""

from __future__ import annotations

from podium.common.errors import TemplateError
from podium.common.models.execution import Attempt, TaskRun
from podium.common.models.state import State, StateHistory
from podium.common.plugins.base import Task
from podium.common.templating import is_truthy, render
from podium.common.transport.base import task_queue
from podium.executor.engine.commands import DispatchTask
from podium.executor.engine.context import (
    EngineConfig,
    task_context,
    task_definition,
    task_references,
)
from podium.executor.engine.view import ExecutionTx


def start_task(tx: ExecutionTx, config: EngineConfig, task: Task, parent: TaskRun | None,
               value: str | None, iteration: int | None = None) -> TaskRun:
    run = tx.add_run(TaskRun(execution_id=tx.execution.id, task_id=task.id,
                             parent_task_run_id=parent.id if parent else None, value=value,
                             iteration=iteration, history=StateHistory.new(tx.now)))
    verdict = _run_if(tx, config, task, run)
    if verdict is not None:
        return tx.move_run(run, verdict)
    if task.runs_on_worker():
        return dispatch_attempt(tx, run, config)
    return tx.move_run(run, State.RUNNING)


def _run_if(tx: ExecutionTx, config: EngineConfig, task: Task, run: TaskRun) -> State | None:
    if task.run_if is None or task.run_if is True:
        return None
    if task.run_if is False:
        return State.SKIPPED
    try:
        rendered = render(task.run_if, task_context(tx, config, run, task))
    except TemplateError as exc:
        tx.log(run.id, "ERROR", f"runIf of task '{task.id}' failed: {exc}")
        return State.FAILED
    return None if is_truthy(rendered.strip()) else State.SKIPPED


def dispatch_attempt(tx: ExecutionTx, run: TaskRun, config: EngineConfig) -> TaskRun:
    """Start a new attempt of a CREATED runnable task run on the workers."""
    return _new_attempt(tx, run.moved_to(State.RUNNING, tx.now), config)


def redispatch_attempt(tx: ExecutionTx, run: TaskRun, config: EngineConfig) -> TaskRun:
    """A RUNNING task run whose attempt was lost with its worker: the next attempt, sent
    to the workers again; the run stays RUNNING."""
    return _new_attempt(tx, run, config)


def _new_attempt(tx: ExecutionTx, run: TaskRun, config: EngineConfig) -> TaskRun:
    task = tx.task(run.task_id)
    number = len(run.attempts) + 1
    run = tx.put_run(run.model_copy(update={"attempts": [
        *run.attempts, Attempt(number=number, state=State.RUNNING, started=tx.now)]}))
    definition = task_definition(tx, task)
    context = task_context(tx, config, run, task, uses=task_references(tx, task),
                           for_worker=True)
    tx.emit(DispatchTask(task_run=run, attempt=number, task=definition, context=context,
                         queue=task_queue(task)))
    return run
