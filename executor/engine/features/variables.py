"""execution.SetVariables and UnsetVariables: tasks that change the execution's `vars`.

They are execution-updating tasks (Kestra's ExecutionUpdatableTask): the executor runs
them where it resolves flowables, at their first resolution, and they end at once. So a
task after them renders with the new `vars`, on the executor and on the workers alike.

- SetVariables renders `variables` (a map, or an expression rendering to a JSON map; keys
  and every string inside rendered) and deep-merges it into the current `vars`: maps merge
  key by key, anything else is replaced. The current `vars` start as the flow's
  `variables`, as Kestra copies them into a new execution. `overwrite: false` fails when a
  top-level key already exists, naming every such key.
- UnsetVariables removes each rendered key; `a.b` removes `b` from the map `vars.a`.
  As in Kestra's code, a missing last key is not an error (logged at WARN here); a missing
  or non-map step of a dotted path fails unless `ignoreMissing`.

The result lives under `execution.variables["vars"]` (executor.engine.context).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from podium.common.errors import PodiumError, TemplateError
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.execution import SetVariables, UnsetVariables
from podium.common.templating import render, render_typed, render_value
from podium.executor.engine.context import (
    EXECUTION_VARS,
    EngineConfig,
    execution_vars,
    task_context,
)
from podium.executor.engine.flowables import StartRun
from podium.executor.engine.view import ExecutionTx


class UpdateError(PodiumError):
    """Why an execution-updating task failed; logged on its task run."""


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Kestra's MapUtils.deepMerge: `update` over `base`, maps merged recursively, any other
    value replaced; key order kept (new keys last). Neither argument is changed."""
    merged = dict(base)
    for key, value in update.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def render_flag(value: Any, context: dict[str, Any], name: str) -> bool:
    """A Dyn[bool] property rendered in the executor: a bool, or text true/false."""
    rendered = render_typed(value, context) if isinstance(value, str) else value
    if isinstance(rendered, bool):
        return rendered
    text = str(rendered).strip().lower()
    if text not in ("true", "false"):
        raise UpdateError(f"`{name}` must render to true or false, got '{rendered}'")
    return text == "true"


def _rendered_json(value: Any, context: dict[str, Any], name: str, kind: type) -> Any:
    """A property given as a literal (rendered inside) or as an expression rendering to a
    JSON value of `kind`."""
    if not isinstance(value, str):
        return render_value(value, context)
    text = render(value, context)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, kind):
        what = "map" if kind is dict else "list"
        raise UpdateError(f"`{name}` must render to a JSON {what}, got '{text[:200]}'")
    return parsed


def _set_vars(tx: ExecutionTx, new_vars: dict[str, Any]) -> None:
    variables = {**(tx.execution.variables or {}), EXECUTION_VARS: new_vars}
    tx.set_execution(tx.execution.model_copy(update={"variables": variables}))


def _apply(tx: ExecutionTx, run: TaskRun, change: Callable[[], None]) -> State:
    try:
        change()
    except (UpdateError, TemplateError) as exc:
        tx.log(run.id, "ERROR", str(exc))
        return State.FAILED
    return State.SUCCESS


def resolve_set_variables(tx: ExecutionTx, config: EngineConfig, task: SetVariables, run: TaskRun,
                          start: StartRun) -> State:
    def change() -> None:
        context = task_context(tx, config, run, task)
        rendered = _rendered_json(task.variables, context, "variables", dict)
        overwrite = render_flag(task.overwrite, context, "overwrite")
        current = execution_vars(tx)
        taken = [key for key in rendered if key in current]
        if not overwrite and taken:
            raise UpdateError("`overwrite` is set to false and the following variables "
                              f"already exist: {','.join(map(str, taken))}")
        _set_vars(tx, deep_merge(current, {str(k): v for k, v in rendered.items()}))
    return _apply(tx, run, change)


def resolve_unset_variables(tx: ExecutionTx, config: EngineConfig, task: UnsetVariables, run: TaskRun,
                            start: StartRun) -> State:
    def change() -> None:
        context = task_context(tx, config, run, task)
        keys = _rendered_json(task.variables, context, "variables", list)
        ignore_missing = render_flag(task.ignore_missing, context, "ignoreMissing")
        remaining = copy.deepcopy(execution_vars(tx))
        for key in keys:
            if not _remove(remaining, str(key), ignore_missing):
                tx.log(run.id, "WARN", f"Variable '{key}' is not set: nothing to unset")
        _set_vars(tx, remaining)
    return _apply(tx, run, change)


def _remove(variables: dict[str, Any], key: str, ignore_missing: bool) -> bool:
    """Remove `key` (a dotted path) from `variables`; False when it was not there."""
    *steps, last = key.split(".")
    holder: Any = variables
    for depth, step in enumerate(steps):
        holder = holder.get(step) if isinstance(holder, dict) else None
        if not isinstance(holder, dict):
            if ignore_missing:
                return True
            path = ".".join(steps[:depth + 1])
            raise UpdateError(f"Cannot unset '{key}': variable '{path}' is not a map")
    return holder.pop(last, _MISSING) is not _MISSING or ignore_missing


_MISSING = object()
