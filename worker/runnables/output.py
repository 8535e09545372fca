"""io.kestra.plugin.core.output.OutputValues."""

from __future__ import annotations

from typing import Any

from podium.common.plugins.tasks.output import OutputValues
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import runs


@runs(OutputValues)
def run_output_values(task: OutputValues, ctx: RunContext) -> dict[str, Any]:
    """Every string inside `values` (keys too, at any depth) is rendered to text; numbers,
    booleans and nulls stay as they are. No `values` gives an empty map."""
    return {"values": ctx.render_value(task.values or {})}
