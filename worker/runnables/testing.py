"""io.podium.test.TaskFixture: a fixed task of a flow test ends as its test case says."""

from __future__ import annotations

import io

from podium.common.models.state import State
from podium.common.plugins.tasks.testing import FixtureTask
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import Outcome, TaskFailure, runs


@runs(FixtureTask)
def run_fixture(task: FixtureTask, ctx: RunContext) -> Outcome:
    outputs = dict(task.outputs or {})
    if task.files:
        outputs["outputFiles"] = {
            name: ctx.put_stream(io.BytesIO(text.encode("utf-8")), name)
            for name, text in task.files.items()}
    ctx.log("INFO", f"fixture: task '{task.id}' not run, ends {task.state}")
    if task.state == "FAILED":
        raise TaskFailure(f"fixture: task '{task.id}' ends FAILED", outputs=outputs or None)
    return Outcome(State(task.state), outputs=outputs or None)
