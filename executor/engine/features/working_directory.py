"""WorkingDirectory in the executor: recording the children a worker ran, and the
`errors` / `finally` lists that run afterwards in the executor.

The WorkingDirectory task run is dispatched whole to one worker (`runs_on_worker()`); the
worker runs the children one after the other in one directory and reports them in
`TaskResult.children` (worker/runnables/working_directory.py). Like Kestra, where the worker
creates one task run per child, each reported child becomes a task run under the
WorkingDirectory run (with the worker's id, so its streamed logs match). The run's state
folds the children's states (KILLED > FAILED > WARNING > SUCCESS); when a child failed
and the task has `errors`, or when it has `finally`, the run stays RUNNING and this
module's resolver runs those lists as a Sequential would.
"""

from __future__ import annotations

from podium.common.messages import TaskResult
from podium.common.models.execution import Attempt, TaskRun
from podium.common.models.state import State, StateHistory, fold_states
from podium.common.plugins.base import FlowableTask
from podium.common.plugins.tasks.flow import WorkingDirectory
from podium.executor.engine.branches import Scope, enabled, resolve_scope
from podium.executor.engine.commands import StoreTaskCache
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.view import ExecutionTx

_CHILD_STATES = {State.SUCCESS, State.WARNING, State.FAILED, State.KILLED}


def record_children(tx: ExecutionTx, run: TaskRun, result: TaskResult) -> State:
    """Create one task run per reported child (replacing those of an earlier attempt) and
    return the state the WorkingDirectory run takes."""
    for old in tx.children(run.id):
        _remove_tree(tx, old)
    known = {task.id for task in getattr(tx.task(run.task_id), "tasks", None) or []}
    states = []
    for child in result.children or []:
        task_id, state = child.task_id, child.state
        if task_id not in known or state not in _CHILD_STATES:
            tx.log(run.id, "WARN", f"ignored a child reported by the worker: {task_id} {state}")
            continue
        started = child.started or tx.now
        ended = child.ended or tx.now
        history = StateHistory.new(started)
        child_run = TaskRun(execution_id=tx.execution.id, task_id=task_id,
                            parent_task_run_id=run.id, history=history,
                            attempts=[Attempt(number=1, state=state, started=started,
                                              ended=ended, log_file=child.log_file)],
                            outputs=child.outputs,
                            **({"id": child.id} if child.id else {}))
        child_run = child_run.moved_to(State.RUNNING, started).moved_to(state, ended)
        tx.add_run(child_run)
        if child.cache_key and state in (State.SUCCESS, State.WARNING):
            tx.emit(StoreTaskCache(task_id, child.cache_key, child_run.outputs, tx.now))
        states.append(state)
    if not states:
        return result.state
    return fold_states([*states, result.state])


def continues_in_executor(tx: ExecutionTx, run: TaskRun, state: State) -> bool:
    """True when `errors` or `finally` must run now: the run stays RUNNING (its attempt is
    over) and `advance` resolves it with the resolver below."""
    task = tx.task(run.task_id)
    if not isinstance(task, FlowableTask) or state is State.KILLED or not tx.children(run.id):
        return False
    if state is State.FAILED and enabled(task.errors):
        return True
    return bool(enabled(task.finally_))


def resolve_working_directory(tx: ExecutionTx, config: EngineConfig, task: WorkingDirectory,
                              run: TaskRun, start: StartRun) -> State | None:
    # Only reached once the worker part ended (advance skips a WorkingDirectory before).
    return resolve_scope(tx, Scope(run, task.tasks, task.errors or [], task.finally_ or []),
                         start)


def _remove_tree(tx: ExecutionTx, run: TaskRun) -> None:
    for child in tx.children(run.id):
        _remove_tree(tx, child)
    tx.remove_run(run.id)

