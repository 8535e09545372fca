"""execution.Exit: end the execution now, in the state the task names (Kestra's Exit).

An execution-updating task the executor runs at its first resolution:
- `state: KILLED` kills the execution as a kill request does: every unfinished task run
  KILLED (this one and its parents included), running attempts told to stop.
- any other state (SUCCESS, WARNING, FAILED, CANCELED -> CANCELLED): this task run and
  every unfinished parent take that state and the execution ends in it. Nothing else
  starts: no next task, no `errors`, `finally` or `afterExecution`, no flow outputs (Kestra
  skips the end of the flow as well). Task runs still running elsewhere, in another
  Parallel branch for instance, are not stopped; their results are still recorded.
"""

from __future__ import annotations

from podium.common.errors import TemplateError
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.execution import Exit
from podium.common.templating import render
from podium.executor.engine.advance import end_execution
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.features.variables import UpdateError
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.process import kill
from podium.executor.engine.view import ExecutionTx

_STATES = {"SUCCESS": State.SUCCESS, "WARNING": State.WARNING, "KILLED": State.KILLED,
           "FAILED": State.FAILED, "CANCELED": State.CANCELLED,
           "CANCELLED": State.CANCELLED}


def exit_state(text: str) -> State:
    state = _STATES.get(text.strip())
    if state is None:
        raise UpdateError(f"Exit `state` must be one of {', '.join(_STATES)}, got '{text}'")
    return state


def resolve_exit(tx: ExecutionTx, config: EngineConfig, task: Exit, run: TaskRun,
                 start: StartRun) -> State:
    try:
        state = exit_state(render(task.state, task_context(tx, config, run, task)))
    except (UpdateError, TemplateError) as exc:
        tx.log(run.id, "ERROR", str(exc))
        return State.FAILED
    tx.log(run.id, "INFO", f"Exiting the execution with state {state.value}")
    return end_execution_from(tx, run, state)  # the caller moves this task run


def end_execution_from(tx: ExecutionTx, run: TaskRun, state: State) -> State:
    """Ends the execution with `state` from inside task run `run` (Exit, an Approval's
    decision): KILLED through a kill, else every unfinished ancestor of `run` moved to it."""
    if state is State.KILLED:
        kill(tx)
        return State.KILLED
    for ancestor in tx.ancestors(run):
        if not ancestor.state.is_terminated:
            tx.move_run(ancestor, state)
    end_execution(tx, state)
    return state
