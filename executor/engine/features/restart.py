"""Execution control after the fact: restart, replay and set-state (Kestra's
ExecutionService.restart / replay / markAs).

- Restart (same execution): the FAILED / KILLED (or PAUSED) task runs and all their
  ancestors restart. Runnable leaves go RESTARTED and are dispatched again with a new
  attempt (their attempts are kept, so the numbers continue); flowable and other
  executor-resolved runs go RUNNING and are resolved again. Every run of an `errors` branch
  (flow or flowable) is removed, and so are `afterExecution` runs (they run again when the
  execution ends again). The execution goes RESTARTED -> RUNNING with attemptNumber + 1;
  successful task runs are kept as they are.
- Replay (a new execution, id chosen by the caller): parentId = the old id, originalId
  kept, same revision, inputs, labels and trigger, attemptNumber + 1. From scratch without a
  task run; from a task run, every run that comes before it in the flow graph is copied
  (new ids), its ancestors RUNNING; it and what follows it run again.
- Set-state: a terminated (or paused) task run is forced to SUCCESS / FAILED / WARNING (its
  last attempt too), its ancestors go RUNNING and the execution restarts from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.flow.model import Flow
from podium.common.messages import ReplayExecution, RestartExecution, SetTaskRunState
from podium.common.models.execution import Execution, TaskRun, new_id
from podium.common.models.flowable_state import FlowableState
from podium.common.models.state import State, StateEntry, StateHistory
from podium.common.plugins.base import Task, TaskKind
from podium.common.plugins.tasks import flow_branching as branching
from podium.common.plugins.tasks import flow_loops as loops
from podium.executor.engine.commands import CancelTimers, CreateExecution
from podium.executor.engine.context import EXECUTION_VARS, EngineConfig
from podium.executor.engine.dispatch import dispatch_attempt
from podium.executor.engine.loops import reopening
from podium.executor.engine.view import ExecutionTx

RESTARTABLE = (State.FAILED, State.KILLED, State.PAUSED)
MARKABLE = (State.SUCCESS, State.FAILED, State.WARNING)
PAUSE_TIMERS = ("pause_delay", "pause_timeout")


# ---------------------------------------------------------------- validation (also the CLI's)

def why_not_restart(execution: Execution, runs: list[TaskRun]) -> str | None:
    if reason := _why_not_controllable(execution, "restarted"):
        return reason
    if not any(run.state in RESTARTABLE for run in runs):
        return "no failed, killed or paused task run to restart the execution from"
    return None


def why_not_replay(execution: Execution, run: TaskRun | None, task_run_id: str | None) -> str | None:
    if not execution.state.is_terminated:
        return (f"execution must be terminated to be replayed, current state is "
                f"'{execution.state.value}'")
    if task_run_id is not None and (run is None or run.execution_id != execution.id):
        return f"task run {task_run_id} is not a task run of execution {execution.id}"
    return None


def why_not_set_state(execution: Execution, run: TaskRun | None, task_run_id: str,
                      state: State) -> str | None:
    if reason := _why_not_controllable(execution, "changed"):
        return reason
    if state not in MARKABLE:
        return f"a task run can only be set to {', '.join(s.value for s in MARKABLE)}"
    if run is None or run.execution_id != execution.id:
        return f"task run {task_run_id} is not a task run of execution {execution.id}"
    if not (run.state.is_terminated or run.state is State.PAUSED) or run.state is State.RETRIED:
        return f"task run {run.id} is {run.state.value}: only a terminated or paused one can change"
    if run.state is state:
        return f"task run {run.id} is already {state.value}"
    return None


def _why_not_controllable(execution: Execution, what: str) -> str | None:
    if execution.state is State.RETRIED:
        return "execution was retried as a new execution; it cannot be " + what
    if not (execution.state.is_terminated or execution.state is State.PAUSED):
        return (f"execution must be terminated or paused to be {what}, current state is "
                f"'{execution.state.value}'")
    return None


# ---------------------------------------------------------------- restart

def restart(tx: ExecutionTx, message: RestartExecution, config: EngineConfig) -> str | None:
    if reason := why_not_restart(tx.execution, tx.runs()):
        return reason
    was_paused = tx.execution.state is State.PAUSED
    errors, after = _errors_task_ids(tx.flow), _after_task_ids(tx.flow)
    _remove(tx, [run for run in tx.runs() if run.task_id in errors | after])
    leaves = [run for run in tx.runs() if run.state in RESTARTABLE]
    if not leaves:
        return "no failed, killed or paused task run to restart outside errors branches"
    to_dispatch = []
    for leaf in leaves:
        if tx.run(leaf.id) is None:
            continue  # inside a WorkingDirectory that runs again whole
        task = tx.task(leaf.task_id)
        for ancestor in tx.ancestors(leaf):
            tx.move_run(tx.require_run(ancestor.id), State.RUNNING)
        if task.runs_on_worker():
            _remove(tx, tx.descendants(leaf.id))  # a WorkingDirectory runs whole again
            to_dispatch.append(tx.move_run(tx.require_run(leaf.id), State.RESTARTED).id)
        else:
            _resume_resolved(tx, tx.require_run(leaf.id), task)
    _restart_execution(tx, next_attempt=True)
    if was_paused:
        for kind in PAUSE_TIMERS:
            tx.emit(CancelTimers(kind))
    for run_id in to_dispatch:
        dispatch_attempt(tx, tx.require_run(run_id), config)
    tx.log(None, "INFO", f"Execution restarted (attempt {tx.execution.attempt_number}): "
                         f"{len(leaves)} task run(s) run again")
    return None


def _resume_resolved(tx: ExecutionTx, run: TaskRun, task: Task) -> None:
    """An executor-resolved run resolves again; a non-flowable one (subflow, execution
    updating) forgets what it did, so it does it again."""
    if type(task).KIND is not TaskKind.FLOWABLE and not run.flowable.is_empty():
        run = tx.put_run(run.model_copy(update={"flowable": FlowableState()}))
    tx.move_run(run, State.RUNNING)


def _restart_execution(tx: ExecutionTx, next_attempt: bool) -> None:
    execution = tx.execution
    engine = execution.engine.model_copy(update={"pending_final_state": None})
    update: dict[str, object] = {"engine": engine, "outputs": None, "error": None}
    if next_attempt:
        update["attempt_number"] = execution.attempt_number + 1
    tx.set_execution(execution.model_copy(update=update))
    tx.move_execution(State.RESTARTED)
    tx.move_execution(State.RUNNING)


def _remove(tx: ExecutionTx, runs: list[TaskRun]) -> None:
    for run in sorted(runs, key=lambda r: -r.seq):  # children before their parents
        if tx.run(run.id) is not None:
            tx.remove_run(run.id)


def _subtree_ids(tasks: list[Task] | None) -> set[str]:
    ids: set[str] = set()
    for task in tasks or []:
        ids.add(task.id)
        ids |= _subtree_ids(list(task.child_tasks()))
    return ids


def _errors_task_ids(flow: Flow) -> set[str]:
    """Every task of any `errors` branch (flow level and flowable level), with children."""
    ids = _subtree_ids(flow.errors)
    for task in flow.all_tasks():
        ids |= _subtree_ids(getattr(task, "errors", None))
    return ids


def _after_task_ids(flow: Flow) -> set[str]:
    return _subtree_ids(flow.after_execution)


# ---------------------------------------------------------------- set state

def set_task_run_state(tx: ExecutionTx, message: SetTaskRunState,
                       config: EngineConfig) -> str | None:
    run = tx.any_run(message.task_run_id)
    reason = why_not_set_state(tx.execution, run, message.task_run_id, message.state)
    if reason or run is None:  # an unknown run always has its reason
        return reason
    if run.folded:
        _reopen_in_place(tx, run)
        run = tx.require_run(run.id)
    errors, after = _errors_task_ids(tx.flow), _after_task_ids(tx.flow)
    removable = (set() if run.task_id in errors else errors) | \
        (set() if run.task_id in after else after)
    _remove(tx, [r for r in tx.runs() if r.task_id in removable and r.id != run.id])
    for ancestor in tx.ancestors(run):
        tx.move_run(tx.require_run(ancestor.id), State.RUNNING)
    tx.put_run(_forced(run, message.state, tx))
    tx.log(run.id, "INFO", f"Task run '{run.task_id}' set from {run.state.value} "
                           f"to {message.state.value}")
    if any(r.state is State.PAUSED for r in tx.runs()):
        return None  # parallel pauses: the execution stays PAUSED until they resume
    keep_pending = run.task_id in after
    pending = tx.execution.engine.pending_final_state
    _restart_execution(tx, next_attempt=False)
    if keep_pending and pending is not None:
        tx.set_execution(tx.execution.with_engine(pending_final_state=pending))
    return None


def _reopen_in_place(tx: ExecutionTx, run: TaskRun) -> None:
    """The iterations around a folded run come back to the working set, uncounted."""
    reopened = reopening(tx, run)
    tx.unfold(reopened.unfold)
    for loop_run_id, progress in reopened.progress.items():
        progress.pop("again", None)  # its runs are all there: nothing to start again
        loop_run = tx.require_run(loop_run_id)
        tx.put_run(loop_run.with_flowable(loop=progress))


def _forced(run: TaskRun, state: State, tx: ExecutionTx) -> TaskRun:
    """Kestra's markAs sets the state whatever the transition table says (FAILED ->
    SUCCESS is no normal transition); the history records it."""
    history = StateHistory(current=state, histories=(*run.history.histories,
                                                     StateEntry(state=state, date=tx.now)))
    attempts = list(run.attempts)
    if attempts:
        attempts[-1] = attempts[-1].model_copy(update={"state": state})
    return run.model_copy(update={"history": history, "attempts": attempts})


# ---------------------------------------------------------------- replay

def replay(tx: ExecutionTx, message: ReplayExecution, config: EngineConfig) -> str | None:
    source = tx.execution
    chosen = tx.any_run(message.task_run_id) if message.task_run_id else None
    if reason := why_not_replay(source, chosen, message.task_run_id):
        return reason
    if message.new_execution_id == source.id:
        return "a replay needs a new execution id"
    replayed = Execution(
        id=message.new_execution_id, namespace=source.namespace, flow_id=source.flow_id,
        flow_revision=source.flow_revision, history=_replayed_history(source, chosen, tx.now),
        inputs=source.inputs, labels=source.labels, trigger=source.trigger,
        parent_id=source.id, original_id=source.original_id or source.id,
        attempt_number=source.attempt_number + 1,
        original_created_date=source.original_created_date or source.history.start_date,
        variables=_replayed_variables(source))
    copies, ids = _copied_runs(tx, chosen, replayed.id) if chosen is not None else ([], {})
    # Every id copied is of a run the working set holds (live or folded).
    loop_values = tuple((old, ids[old]) for old in ids
                        if (source_run := tx.any_run(old)) is not None
                        and source_run.flowable.loop is not None)
    tx.emit(CreateExecution(replayed, tuple(copies), loop_values_from=loop_values))
    tx.log(None, "INFO", f"Replayed as execution {replayed.id}"
                         + (f" from task run {chosen.id} ({chosen.task_id})" if chosen else ""))
    return None


def _replayed_history(source: Execution, chosen: TaskRun | None, now: datetime) -> StateHistory:
    """A replay from a task run continues the source's history, as Kestra's does (its state
    is the source's with RESTARTED added), so its start and duration cover the whole
    execution, the copied task runs' time included. It then enters CREATED, which starts
    it here (Kestra starts its RESTARTED execution directly). A whole replay starts anew."""
    if chosen is None:
        return StateHistory.new(now)
    return StateHistory(current=State.CREATED, histories=(
        *source.history.histories, StateEntry(state=State.RESTARTED, date=now),
        StateEntry(state=State.CREATED, date=now)))


def _replayed_variables(source: Execution) -> dict[str, Any] | None:
    """The `vars` SetVariables/UnsetVariables left (Kestra's replay copies the execution's
    variables); none of the source's bookkeeping."""
    kept = (source.variables or {}).get(EXECUTION_VARS)
    return {EXECUTION_VARS: kept} if kept is not None else None


def _copied_runs(tx: ExecutionTx, chosen: TaskRun,
                 execution_id: str) -> tuple[list[TaskRun], dict[str, str]]:
    """The copies, and the copied run ids (old -> new)."""
    ancestors = {run.id for run in tx.ancestors(chosen)}
    order = {task_id: index for index, task_id in enumerate(tx.flow.task_index())}
    chosen_path = _path(tx, chosen)
    kept = [run for run in tx.all_runs() if run.id in ancestors or
            (run.id != chosen.id and not _comes_after(tx, _path(tx, run), chosen_path, order))]
    reopened = reopening(tx, chosen)
    ids = {run.id: new_id() for run in kept}
    copies = []
    for run in kept:
        flowable = run.flowable
        if run.id in reopened.progress:
            flowable = flowable.model_copy(update={"loop": reopened.progress[run.id]})
        copy = run.model_copy(update={
            "id": ids[run.id], "execution_id": execution_id,
            "parent_task_run_id": ids.get(run.parent_task_run_id) if run.parent_task_run_id else None,
            "attempts": list(run.attempts), "flowable": flowable,
            "folded": run.folded and run.id not in reopened.unfold})
        if run.id in ancestors:
            copy = copy.moved_to(State.RUNNING, tx.now)
        copies.append(copy)
    return copies, ids



def _path(tx: ExecutionTx, run: TaskRun) -> list[TaskRun]:
    return [*reversed(tx.ancestors(run)), run]


def _comes_after(tx: ExecutionTx, path: list[TaskRun], chosen_path: list[TaskRun],
                 order: dict[str, int]) -> bool:
    """Whether the run at the end of `path` follows the chosen run in the flow graph:
    a descendant of it, a later sibling of it or of one of its ancestors, an errors /
    finally run after it; never a run of another loop iteration or of a parallel branch."""
    depth = 0
    while depth < len(path) and depth < len(chosen_path) and path[depth].id == chosen_path[depth].id:
        depth += 1
    if depth == len(chosen_path):
        return True  # a descendant of the chosen run
    mine, theirs = path[depth], chosen_path[depth]
    if mine.value != theirs.value:
        return False  # another loop iteration
    if mine.iteration is not None and theirs.iteration is not None \
            and mine.iteration != theirs.iteration:
        return mine.iteration > theirs.iteration  # a later WaitFor / LoopUntil round
    parent = tx.task(path[depth - 1].task_id) if depth else None
    main = {task.id for task in getattr(parent, "tasks", None) or []
            if isinstance(task, Task)}
    both_main = mine.task_id in main and theirs.task_id in main
    if isinstance(parent, (branching.Parallel, loops.EachParallel)) and both_main:
        return False  # parallel branches do not follow each other
    if isinstance(parent, branching.Dag):
        waits_for = _dag_dependencies(parent)
        if mine.task_id in waits_for and theirs.task_id in waits_for:
            return theirs.task_id in waits_for[mine.task_id]  # else independent nodes
    return order.get(mine.task_id, 0) > order.get(theirs.task_id, 0)


def _dag_dependencies(dag: branching.Dag) -> dict[str, set[str]]:
    """Task id -> every Dag node it waits for, directly or not."""
    direct = {node.task.id: set(node.depends_on or ()) for node in dag.tasks}
    closure: dict[str, set[str]] = {}

    def walk(task_id: str, seen: frozenset[str]) -> set[str]:
        if task_id not in closure:
            found: set[str] = set()
            for dep in direct.get(task_id, ()):
                if dep not in seen:
                    found |= {dep} | walk(dep, seen | {dep})
            closure[task_id] = found
        return closure[task_id]

    for task_id in direct:
        walk(task_id, frozenset({task_id}))
    return closure
