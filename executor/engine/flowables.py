"""How each flowable task resolves its children: one small function per type.

Each resolver starts what can start and returns the flowable's final state once its
children are done (None while they are not). State a resolver must remember between
messages (If's evaluated condition, Switch's value) lives in the task run's `flowable`
(common/models/flowable_state.py).
"""

from __future__ import annotations

from typing import Any, Callable

from podium.common.errors import TemplateError
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.base import Task
from podium.common.plugins.tasks import flow_branching as branching
from podium.common.templating import is_truthy, render
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.context import EngineConfig, task_context
from podium.executor.engine.view import ExecutionTx

# start(run) dispatches or resolves a child run (see advance.py).
StartRun = Callable[..., Any]


def resolve_flowable(tx: ExecutionTx, config: EngineConfig, task: Task, run: TaskRun,
                     start: StartRun) -> State | None:
    resolver = tx.wiring.resolvers.get(type(task))  # executor/wiring.py
    if resolver is None:
        tx.log(run.id, "ERROR", f"task type {task.type} is not supported by this executor yet")
        return State.FAILED
    return resolver(tx, config, task, run, start)


def int_or(value: object, default: int) -> int:
    """A limit that may be an unrendered expression: its literal value, else the default."""
    return value if isinstance(value, int) else default


def _remember(tx: ExecutionTx, run: TaskRun, **values: Any) -> TaskRun:
    return tx.put_run(run.with_flowable(**values))


def _render(tx: ExecutionTx, config: EngineConfig, task: Task, run: TaskRun,
            template: str) -> str | None:
    try:
        return render(template, task_context(tx, config, run, task))
    except TemplateError as exc:
        tx.log(run.id, "ERROR", exc.message)  # the line is the flowable's: no prefix needed
        return None


def resolve_sequential(tx: ExecutionTx, config: EngineConfig, task: branching.Sequential,
                       run: TaskRun, start: StartRun) -> State | None:
    state = resolve_scope(tx, Scope(run, task.tasks or [], task.errors or [], task.finally_ or []), start)
    if isinstance(task, branching.AllowFailure) and state is State.FAILED:
        return State.WARNING
    return state


def resolve_parallel(tx: ExecutionTx, config: EngineConfig, task: branching.Parallel,
                     run: TaskRun, start: StartRun) -> State | None:
    concurrency = int_or(task.concurrent, 0)
    return resolve_scope(tx, Scope(run, task.tasks, task.errors or [], task.finally_ or [],
                                   concurrency=concurrency), start)


def resolve_if(tx: ExecutionTx, config: EngineConfig, task: branching.If, run: TaskRun,
               start: StartRun) -> State | None:
    if run.flowable.condition is None:
        rendered = _render(tx, config, task, run, str(task.condition))
        if rendered is None:
            return State.FAILED
        result = is_truthy(rendered.strip())
        run = _remember(tx, run, condition=result)
        tx.put_run(run.model_copy(update={"outputs": {"evaluationResult": result}}))
        run = tx.require_run(run.id)
    branch = task.then if run.flowable.condition else (task.else_ or [])
    return resolve_scope(tx, Scope(run, branch, task.errors or [], task.finally_ or []), start)


def resolve_switch(tx: ExecutionTx, config: EngineConfig, task: branching.Switch,
                   run: TaskRun, start: StartRun) -> State | None:
    value = run.flowable.value
    if value is None:
        rendered = _render(tx, config, task, run, str(task.value))
        if rendered is None:
            return State.FAILED
        matched = rendered in (task.cases or {})
        run = _remember(tx, run, value=rendered)
        tx.put_run(run.model_copy(update={"outputs": {"value": rendered,
                                                       "defaults": not matched}}))
        run = tx.require_run(run.id)
        value = rendered
    branch = (task.cases or {}).get(value, task.defaults or [])
    if not branch and value not in (task.cases or {}) and not task.defaults:
        tx.log(run.id, "ERROR", f"Switch '{task.id}': no case matches '{value}' and no defaults")
        return State.FAILED
    return resolve_scope(tx, Scope(run, branch, task.errors or [], task.finally_ or []), start)
