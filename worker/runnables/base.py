"""The registry of runnable implementations and what they return.

An implementation is ``fn(task, ctx) -> Outcome | dict | None``: a dict is the outputs of a
SUCCESS, None a SUCCESS without outputs. Failing is raising: ``TaskFailure`` (a message the
user reads as is, optionally with outputs), ``TemplateError``, ``Killed`` / ``TimedOut``
(from ``ctx.check_killed()``), or any other exception (reported as
"Task failed: <Type>: message").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from common.errors import TaskFailure  # noqa: F401  (where worker code has always found it)
from common.messages import ChildRun
from common.models.state import State
from common.plugins.base import Task
from worker.run_context import RunContext


@dataclass
class Outcome:
    state: State
    outputs: dict[str, Any] | None = None
    error: str | None = None
    labels: list[dict[str, str]] | None = None
    metrics: list[dict[str, Any]] | None = None
    children: list[ChildRun] | None = None  # a WorkingDirectory's child task runs
    log_file: str | None = None  # logToFile: the stored file of the attempt's log lines
    assets: dict[str, Any] | None = None  # the task's `assets`, rendered (Kestra's AssetsInOut)
    cache_key: str | None = None  # taskCache: where the executor is to keep the outputs


Implementation = Callable[[Task, RunContext], "Outcome | dict[str, Any] | None"]
RUNNABLES: dict[type[Task], Implementation] = {}


def runs(*task_classes: type[Task]) -> Callable[[Implementation], Implementation]:
    """Register the decorated function as the implementation of these task classes."""

    def register(fn: Implementation) -> Implementation:
        for cls in task_classes:
            RUNNABLES[cls] = fn
        return fn

    return register


def implementation_for(task: Task) -> Implementation | None:
    for cls in type(task).__mro__:
        fn = RUNNABLES.get(cls)  # type: ignore[call-overload]
        if fn is not None:
            return fn
    if callable(getattr(type(task), "run", None)):  # a plugin's task: one class, its run()
        return _run_method
    return None


def _run_method(task: Task, ctx: RunContext) -> "Outcome | dict[str, Any] | None":
    return task.run(ctx)  # type: ignore[attr-defined, no-any-return]
