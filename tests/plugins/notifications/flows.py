"""Running a flow on the embedded runtime and reading what it left."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow


def run(runtime, source: str):
    """Deploy and run the flow; (final execution, {task id: task run})."""
    loaded = parse_flow(source)
    runtime.deploy(loaded)
    execution = runtime.submit(loaded.flow.namespace, loaded.flow.id, None)
    final = runtime.wait(execution.id, timeout=60)
    return final, {task_run.task_id: task_run for task_run in runtime.task_runs(execution.id)}


def messages(runtime, execution_id: str) -> list[str]:
    return [entry.message for entry in runtime.logs(execution_id)]
