"""Duplicate task and trigger ids, found on the raw document.

They are checked before the typed model is built so that a flow with a duplicate id and,
say, an unknown property gets both problems in one answer, not the second only once the
first is fixed.
"""

from __future__ import annotations

from typing import Any, Iterator

from podium.common.flow.rules import RawProblem, format_path
from podium.common.plugins.registry import registry

Path = tuple[Any, ...]

_TOP_LEVEL_BRANCHES = ("tasks", "errors", "finally", "afterExecution")
_NOT_TASKS = ("trigger", "condition", "task_runner")


def check_duplicate_ids(raw: dict[str, Any]) -> list[RawProblem]:
    return [*_duplicates("task", _tasks_of(raw)), *_duplicates("trigger", _triggers_of(raw))]


def _duplicates(kind: str, found: Iterator[tuple[Path, str]]) -> list[RawProblem]:
    first: dict[str, Path] = {}
    problems: list[RawProblem] = []
    for path, item_id in found:
        if item_id in first:
            problems.append(((*path, "id"), f"duplicate {kind} id '{item_id}' "
                             f"(already used at {format_path(first[item_id])})"))
        else:
            first[item_id] = path
    return problems


def _tasks_of(raw: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """Every task of the document with its path, in document order. An item of a top-level
    task list is a task whatever its type; deeper, a mapping with an `id` and a task-like
    `type` is (the children of If, Parallel, Switch, Dag... and of types this installation
    does not know)."""
    branches: list[tuple[Path, Any]] = [((key,), raw.get(key)) for key in _TOP_LEVEL_BRANCHES]
    listeners = raw.get("listeners")
    if isinstance(listeners, list):
        branches += [(("listeners", i, "tasks"), item.get("tasks"))
                     for i, item in enumerate(listeners) if isinstance(item, dict)]
    for prefix, tasks in branches:
        for i, task in enumerate(tasks if isinstance(tasks, list) else []):
            if isinstance(task, dict):
                yield from _task_and_children(task, (*prefix, i))


def _task_and_children(task: dict[str, Any], path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(task.get("id"), str):
        yield path, task["id"]
    for key, value in task.items():
        yield from _nested_tasks(value, (*path, key))


def _nested_tasks(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, dict):
        if _looks_like_task(value):
            yield from _task_and_children(value, path)
            return
        for key, item in value.items():
            yield from _nested_tasks(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nested_tasks(item, (*path, i))


def _looks_like_task(node: dict[str, Any]) -> bool:
    type_name = node.get("type")
    if not isinstance(node.get("id"), str) or not isinstance(type_name, str):
        return False
    if registry.canonical("task", type_name):
        return True
    # An input or output declaration (`type: STRING`) has no dotted type name; a trigger
    # or condition is not a task.
    return "." in type_name and not any(registry.canonical(c, type_name) for c in _NOT_TASKS)


def _triggers_of(raw: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    triggers = raw.get("triggers")
    for i, trigger in enumerate(triggers if isinstance(triggers, list) else []):
        if isinstance(trigger, dict) and isinstance(trigger.get("id"), str):
            yield ("triggers", i), trigger["id"]
