"""Validation rules that span the whole flow (Kestra's FlowValidator), as pure functions.

Each rule takes the typed flow (and, where needed, the raw document) and returns problems
whose `path` is a tuple into the raw document, so the caller can attach line and column.
"""

from __future__ import annotations

from typing import Any, Iterator

from pydantic import BaseModel

from podium.common.flow.model import Flow
from podium.common.flow.plugin_defaults import unknown_default_properties
from podium.common.flow.trigger_inputs import check_scheduled_inputs
from podium.common.inputs import check_dependencies
from podium.common.plugins.base import PluginModel, Task, branch_field_order

RawProblem = tuple[tuple[Any, ...], str]

# check_plugin_defaults runs on the raw document before defaults are applied: a default
# naming an unknown property is the root cause of the errors it would cause in each task.


def check_flow(flow: Flow, raw: dict[str, Any]) -> list[RawProblem]:
    # Duplicate task and trigger ids are checked on the raw document (duplicate_ids.py).
    return [*_no_self_call(flow),
            *_input_dependencies(flow), *_unique_output_ids(flow),
            *check_scheduled_inputs(flow)]


def tasks_with_paths(flow: Flow) -> Iterator[tuple[tuple[Any, ...], Task]]:
    """Every task of the flow with its path in the document, depth first."""
    for name in ("tasks", "errors", "finally", "afterExecution"):
        yield from _tasks_under(getattr(flow, _field_for(name)), (name,))
    for i, listener in enumerate(flow.listeners or []):
        yield from _tasks_under(listener.tasks, ("listeners", i, "tasks"))


def _field_for(alias: str) -> str:
    return {"finally": "finally_", "afterExecution": "after_execution"}.get(alias, alias)


def _tasks_under(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Task]]:
    if isinstance(value, Task):
        yield path, value
        fields = type(value).model_fields
        for name in branch_field_order(type(value)):
            yield from _tasks_under(getattr(value, name), (*path, fields[name].alias or name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _tasks_under(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tasks_under(item, (*path, key))
    elif isinstance(value, BaseModel) and not isinstance(value, PluginModel):
        for name, field in type(value).model_fields.items():
            yield from _tasks_under(getattr(value, name), (*path, field.alias or name))


def _no_self_call(flow: Flow) -> list[RawProblem]:
    problems = []
    for path, task in tasks_with_paths(flow):
        if task.called_flow() == (flow.namespace, flow.id):
            problems.append((path, f"task '{task.id}' calls its own flow "
                             f"{flow.namespace}.{flow.id}: recursive subflows are not allowed"))
    return problems


def _input_dependencies(flow: Flow) -> list[RawProblem]:
    return [(("inputs", index), message)
            for index, message in check_dependencies(flow.inputs or [])]


def _unique_output_ids(flow: Flow) -> list[RawProblem]:
    seen: set[str] = set()
    problems = []
    for i, output in enumerate(flow.outputs or []):
        if output.id in seen:
            problems.append((("outputs", i, "id"), f"duplicate output id '{output.id}'"))
        seen.add(output.id)
    return problems


# Most tasks a flow may declare, nested ones included. Real flows have tens, rarely a few
# hundred; validating, storing and drawing tens of thousands takes seconds each time.
MAX_TASKS = 1000
_TASK_BRANCHES = ("tasks", "errors", "finally", "afterExecution", "listeners")


def check_task_count(raw: dict[str, Any]) -> list[RawProblem]:
    """Refuse a flow with more than MAX_TASKS tasks, counted on the raw document (cheap,
    before the models are built for each of them)."""
    count = 0
    stack = [raw.get(key) for key in _TASK_BRANCHES]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += "id" in node and "type" in node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    if count > MAX_TASKS:
        return [(("tasks",), f"the flow declares {count} tasks; at most {MAX_TASKS} are "
                 "allowed (split it into subflows)")]
    return []


def check_plugin_defaults(raw: dict[str, Any]) -> list[RawProblem]:
    problems = []
    for key in ("pluginDefaults", "taskDefaults"):
        for i, default in enumerate(raw.get(key) or []):
            if not isinstance(default, dict) or not isinstance(default.get("values"), dict):
                continue
            for name in unknown_default_properties(default):
                problems.append(((key, i, "values", name),
                                 f"no property '{name}' exists in plugin '{default['type']}'"))
    return problems


def format_path(path: tuple[Any, ...]) -> str:
    """('tasks', 0, 'then', 1, 'id') -> 'tasks[0].then[1].id'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
