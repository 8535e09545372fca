"""Running a flow on the embedded runtime and reading what it left."""

from __future__ import annotations

from typing import Any

from podium.common.flow.loader import parse_flow


def run(runtime, source: str, inputs: dict[str, Any] | None = None):
    """Deploy and run the flow; (final execution, {task id: task run}, log messages)."""
    loaded = parse_flow(source)
    runtime.deploy(loaded)
    execution = runtime.submit(loaded.flow.namespace, loaded.flow.id, inputs)
    final = runtime.wait(execution.id, timeout=60)
    runs = {task_run.task_id: task_run for task_run in runtime.task_runs(execution.id)}
    logs = [entry.message for entry in runtime.logs(execution.id)]
    return final, runs, logs
