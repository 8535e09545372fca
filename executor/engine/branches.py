"""Resolving a list of child tasks: which to start next, and when the whole is done.

This is Kestra's FlowableUtils in our words. A *scope* is a parent (a flowable task run, or
the execution itself) with its `tasks`, `errors` and `finally` lists. The rules:
- disabled tasks are dropped, as if absent;
- once a child of the main list FAILED (no retry pending) or an errors run exists, the
  scope works on its `errors` list instead; with no errors list it ends at once;
- children start one at a time (sequential) or all together up to `concurrency`;
- when the working list is done, `finally` runs, sequentially;
- the scope's state folds its main (and finally) children: KILLED > FAILED > WARNING >
  PAUSED > SUCCESS. Errors handlers succeeding do not make a failed scope succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from podium.common.models.execution import TaskRun
from podium.common.models.state import State, fold_states
from podium.common.plugins.base import Task
from podium.executor.engine.view import ExecutionTx

# Creates the task run of `task` under `parent` with loop value `value` and loop iteration
# `iteration` (and dispatches it).
StartTask = Callable[..., TaskRun]


@dataclass(frozen=True)
class Scope:
    parent: TaskRun | None
    tasks: list[Task]
    errors: list[Task] = field(default_factory=list)
    finally_: list[Task] = field(default_factory=list)
    value: str | None = None  # loop value given to children (ForEach iterations)
    concurrency: int = 1  # 1: sequential; 0: unlimited; n: at most n running at once
    iteration: int | None = None  # WaitFor / LoopUntil round given to children
    # ForEach: the `iteration` of this value's first task; each main task gets this plus
    # its position among the loop's tasks (Kestra numbers a ForEach's tasks value by value).
    # Unlike `iteration`, it does not select the children.
    numbering: int | None = None
    numbered: tuple[str, ...] = ()  # the task ids `numbering` counts, in order
    # The children, when the caller already has them (loops group them once per message
    # instead of scanning every child of the loop once per value).
    runs: list[TaskRun] | None = None


def enabled(tasks: list[Task] | None) -> list[Task]:
    return [task for task in tasks or [] if not task.disabled]


def resolve_scope(tx: ExecutionTx, scope: Scope, start: StartTask) -> State | None:
    """Start what can start; return the scope's final state once it is done, else None."""
    tasks, errors, finally_ = enabled(scope.tasks), enabled(scope.errors), enabled(scope.finally_)
    runs = scope.runs if scope.runs is not None else \
        tx.children(scope.parent.id if scope.parent else None)
    if scope.value is not None:
        runs = [run for run in runs if run.value == scope.value]
    if scope.iteration is not None:
        runs = [run for run in runs if run.iteration == scope.iteration]
    main_runs = _runs_of(runs, tasks)
    error_runs = _runs_of(runs, errors)
    finally_runs = _runs_of(runs, finally_)
    on_errors = bool(error_runs) or any(r.state is State.FAILED for r in main_runs)
    if on_errors:
        if errors and not _advance(tx, scope, errors, error_runs, 1, start):
            return None
    elif not _advance(tx, scope, tasks, main_runs, scope.concurrency, start, numbered=True):
        return None
    if finally_ and not _advance(tx, scope, finally_, finally_runs, 1, start):
        return None
    return fold_states([r.state for r in (*main_runs, *finally_runs)])


def _runs_of(runs: list[TaskRun], tasks: list[Task]) -> list[TaskRun]:
    ids = {task.id for task in tasks}
    return [run for run in runs if run.task_id in ids]


def _advance(tx: ExecutionTx, scope: Scope, tasks: list[Task], runs: list[TaskRun],
             concurrency: int, start: StartTask, numbered: bool = False) -> bool:
    """Start the next children of one list. True when the list is completely done."""
    started = {run.task_id for run in runs}
    pending = [task for task in tasks if task.id not in started]
    active = sum(1 for run in runs if not run.state.is_terminated)
    if concurrency == 1:
        if active == 0 and pending:
            start(pending[0], scope.parent, scope.value, _iteration(scope, pending[0], numbered))
            return False
    else:
        room = len(pending) if concurrency == 0 else max(0, concurrency - active)
        for task in pending[:room]:
            start(task, scope.parent, scope.value, _iteration(scope, task, numbered))
        if pending[:room]:
            return False
    return not pending and active == 0


def _iteration(scope: Scope, task: Task, numbered: bool) -> int | None:
    if scope.iteration is not None or not numbered or scope.numbering is None \
            or task.id not in scope.numbered:
        return scope.iteration
    return scope.numbering + scope.numbered.index(task.id)
