"""Task fixtures: the tasks a test case replaces so that their body never runs.

The seam is the flow itself, not the engine: before a case's flow is deployed into its own
embedded runtime, each fixtured task's definition is swapped for a `FixtureTask` with the
same id (and the same allowFailure / allowWarning / runIf / disabled), which ends in the
given state with the given outputs. The executor and the worker run it as any other
runnable task, so no production code knows about tests. A fixtured flowable task (a
Parallel, an If...) is replaced whole: its children do not run either.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

from ruamel.yaml import YAML

from podium.common.errors import FlowTestFileError, Problem, TaskFailure
from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.models.state import State
from podium.common.plugins.base import Task
from podium.common.plugins.registry import registry
from podium.flowtest.spec import TaskFixture
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import Outcome

FIXTURE_TYPE = "io.podium.test.TaskFixture"
# What a fixture keeps of the task it replaces: how the flow treats the task's end, not
# how the task runs (retry, timeout, workerGroup and cache would only blur the fixture).
_KEPT = ("id", "description", "allowFailure", "allowWarning", "runIf", "when", "disabled")
# Where tasks live in a flow document (the flow model's top_level_branches).
_TASK_BRANCHES = ("tasks", "errors", "finally", "afterExecution", "listeners")


class FixtureTask(Task):
    """Ends in `state` with `outputs`; `files` (name: text) are stored as the task's output
    files and listed in `outputs.outputFiles`, as a script task lists its own."""

    TYPE: ClassVar[str] = FIXTURE_TYPE

    outputs: dict[str, Any] | None = None
    files: dict[str, str] | None = None
    state: Literal["SUCCESS", "WARNING", "FAILED"] = "SUCCESS"

    def run(self, ctx: RunContext) -> Outcome:
        outputs = dict(self.outputs or {})
        if self.files:
            outputs["outputFiles"] = {
                name: ctx.put_stream(io.BytesIO(text.encode("utf-8")), name)
                for name, text in self.files.items()}
        ctx.log("INFO", f"fixture: task '{self.id}' not run, ends {self.state}")
        if self.state == "FAILED":
            raise TaskFailure(f"fixture: task '{self.id}' ends FAILED", outputs=outputs or None)
        return Outcome(State(self.state), outputs=outputs or None)


@contextmanager
def fixture_type_registered() -> Iterator[None]:
    """The fixture task type known to this process while the block runs (`flow test`
    wraps its runs in it), and taken out after unless it was known before: the plugin
    catalog of a process that runs no test never lists it."""
    added = registry.resolve("task", FIXTURE_TYPE) is None
    if added:
        registry.add("task", FixtureTask)
    try:
        yield
    finally:
        if added:
            registry.remove("task", FixtureTask)


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
