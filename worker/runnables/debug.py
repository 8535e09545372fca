"""io.kestra.plugin.core.debug.Return and Echo."""

from __future__ import annotations

import time
from typing import Any

from podium.common.plugins.tasks.debug import Echo, Return
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import runs


@runs(Return)
def run_return(task: Return, ctx: RunContext) -> dict[str, Any]:
    """Kestra: the rendered `format` is logged at DEBUG and returned as `value`, with a
    `length` counter and a `duration` timer tagged with it."""
    start = time.perf_counter()
    value = ctx.render(task.format)
    ctx.log("DEBUG", value)
    elapsed = time.perf_counter() - start
    tags = {"format": value} if value is not None else {}
    ctx.metric({"name": "length", "type": "counter", "value": len(value or ""), "tags": tags})
    ctx.metric({"name": "duration", "type": "timer", "value": elapsed, "tags": tags})
    return {"value": value}


@runs(Echo)
def run_echo(task: Echo, ctx: RunContext) -> None:
    """Kestra runs a Log with `format` as its message."""
    ctx.log(task.level, ctx.render(task.format))
