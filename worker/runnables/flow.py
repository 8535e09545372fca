"""io.kestra.plugin.core.flow.Sleep and its twin flow.Wait (the flow.* types a worker runs
alone)."""

from __future__ import annotations

from podium.common.durations import format_duration, parse_duration
from podium.common.plugins.tasks.flow import Sleep, Wait
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs


@runs(Sleep, Wait)
def run_sleep(task: Sleep | Wait, ctx: RunContext) -> None:
    """Kestra logs "Waiting for <duration>" at INFO and sleeps. Here the wait wakes at once
    when the attempt is killed (KILLED) or reaches its timeout (FAILED)."""
    rendered = str(ctx.render(task.duration))
    try:
        duration = parse_duration(rendered)
    except ValueError as exc:
        raise TaskFailure(f"Invalid duration: {exc}") from None
    ctx.log("INFO", f"Waiting for {format_duration(duration)}")
    ctx.sleep(duration.total_seconds())
