"""io.podium.test.TaskFixture: what `podium flow test` puts in place of a task a test case
fixes (podium/flowtest/fixtures.py). A core type like any other, registered in every
process: a flow test's runtime needs no type of its own, and a flow that names it directly
only gets the outputs it wrote down."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from podium.common.plugins.base import Task


class FixtureTask(Task):
    """Ends in `state` with `outputs`, without doing anything; `files` (name: text) are
    stored as the task's output files and listed in `outputs.outputFiles`, as a script
    task lists its own."""

    TYPE: ClassVar[str] = "io.podium.test.TaskFixture"

    outputs: dict[str, Any] | None = None
    files: dict[str, str] | None = None
    state: Literal["SUCCESS", "WARNING", "FAILED"] = "SUCCESS"
