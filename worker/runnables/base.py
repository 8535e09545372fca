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

from podium.common.errors import TaskFailure  # noqa: F401  (where worker code has always found it)
from podium.common.messages import ChildRun
from podium.common.models.state import State
from podium.common.plugins.base import Task
from podium.worker.run_context import RunContext


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
# Filled once, from the one list of implementations in worker/runnables/__init__.py.
RUNNABLES: dict[type[Task], Implementation] = {}


def runs(*task_classes: type[Task]) -> Callable[[Implementation], Implementation]:
    """Mark the decorated function as the implementation of these task classes. This only
    labels the function: the list in worker/runnables/__init__.py is what the worker uses."""

    def label(fn: Implementation) -> Implementation:
        fn.task_classes = task_classes  # type: ignore[attr-defined]
        return fn

    return label


def table(implementations: tuple[Implementation, ...]) -> dict[type[Task], Implementation]:
    """Task class -> implementation, from functions labelled with @runs; a class claimed by
    two of them is a wiring mistake, refused."""
    found: dict[type[Task], Implementation] = {}
    for fn in implementations:
        for cls in fn.task_classes:  # type: ignore[attr-defined]
            if cls in found:
                raise ValueError(f"{cls.TYPE} has two implementations: "
                                 f"{found[cls].__name__} and {fn.__name__}")
            found[cls] = fn
    return found


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
