"""Task fixtures: the tasks a test case replaces so that their body never runs.

The seam is the flow itself, not the engine: before a case's flow is deployed into its own
embedded runtime, each fixtured task's definition is swapped for a `FixtureTask` with the
same id (and the same allowFailure / allowWarning / runIf / disabled), which ends in the
given state with the given outputs. It is a core type (common/plugins/tasks/testing.py,
worker/runnables/testing.py), known to every process: the executor and the worker run it
as any other runnable task, and the flow schema never has to change while a process runs. A fixtured flowable task (a
Parallel, an If...) is replaced whole: its children do not run either.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML

from podium.common.errors import FlowTestFileError, Problem
from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.plugins.tasks.testing import FixtureTask
from podium.flowtest.spec import TaskFixture

FIXTURE_TYPE = FixtureTask.TYPE
# What a fixture keeps of the task it replaces: how the flow treats the task's end, not
# how the task runs (retry, timeout, workerGroup and cache would only blur the fixture).
_KEPT = ("id", "description", "allowFailure", "allowWarning", "runIf", "when", "disabled")
# Where tasks live in a flow document (the flow model's top_level_branches).
_TASK_BRANCHES = ("tasks", "errors", "finally", "afterExecution", "listeners")


def with_fixtures(loaded: LoadedFlow, fixtures: list[TaskFixture], where: str) -> LoadedFlow:
    """`loaded` with each fixtured task replaced by a FixtureTask. A fixture naming no task
    of the flow is a FlowTestFileError; `where` (the case, in words) starts its message."""
    if not fixtures:
        return loaded
    known = set(loaded.flow.task_index())
    unknown = [f.id for f in fixtures if f.id not in known]
    if unknown:
        raise FlowTestFileError([Problem(_unknown_task(task_id, known, loaded))
                                 for task_id in unknown], where)
    by_id = {fixture.id: fixture for fixture in fixtures}
    raw = {key: (_replace(value, by_id) if key in _TASK_BRANCHES else value)
           for key, value in loaded.raw.items()}
    return parse_flow(_dump(raw), name=f"{where} (flow with its fixtures)")


def _replace(node: Any, fixtures: dict[str, TaskFixture]) -> Any:
    if isinstance(node, dict):
        fixture = fixtures.get(node.get("id")) if "type" in node else None  # type: ignore[arg-type]
        if fixture is not None:
            return _fixture_task(node, fixture)
        return {key: _replace(value, fixtures) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace(item, fixtures) for item in node]
    return node


def _fixture_task(original: dict[str, Any], fixture: TaskFixture) -> dict[str, Any]:
    task = {key: original[key] for key in _KEPT if key in original}
    task["type"] = FIXTURE_TYPE
    task["state"] = fixture.state
    if fixture.outputs is not None:
        task["outputs"] = fixture.outputs
    if fixture.files is not None:
        task["files"] = fixture.files
    return task


def _dump(raw: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(raw, stream)
    return stream.getvalue()


def _unknown_task(task_id: str, known: Iterable[str], loaded: LoadedFlow) -> str:
    close = difflib.get_close_matches(task_id, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"fixture for task '{task_id}': flow {loaded.flow.namespace}.{loaded.flow.id} "
            f"has no such task{hint}")
