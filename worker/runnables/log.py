"""io.kestra.plugin.core.log.Log (Kestra: each message rendered, logged at `level`)."""

from __future__ import annotations

from podium.common.plugins.tasks.log import Log
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import runs


@runs(Log)
def run_log(task: Log, ctx: RunContext) -> None:
    messages = [task.message] if isinstance(task.message, str) else list(task.message)
    for message in messages:
        ctx.check_killed()
        ctx.log(task.level, ctx.render(message))
