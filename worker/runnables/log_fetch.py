"""io.kestra.plugin.core.log.Fetch: an execution's logs, as an ION file in storage."""

from __future__ import annotations

from typing import Any

from podium.common.plugins.tasks.log_admin import Fetch
from podium.common.store.logs import fetch_logs
from podium.common.templating.library.ion import to_ion
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs


@runs(Fetch)
def run_fetch(task: Fetch, ctx: RunContext) -> dict[str, Any]:
    """Kestra: the logs of `executionId` (default: this execution) at `level` or above,
    only those of `tasksId` when given, one ION object per line; outputs `uri`, `size`."""
    if ctx.store is None:
        raise TaskFailure("fetching logs needs the store")
    execution_id = ctx.render(task.execution_id) if task.execution_id else \
        (ctx.context.get("execution") or {}).get("id")
    wanted = {ctx.render(task_id) for task_id in task.tasks_id or []}
    level = getattr(task.level, "value", task.level)
    path = ctx.working_dir / "logs.ion"
    size = 0
    with ctx.store.read() as conn, open(path, "w", encoding="utf-8") as out:
        for record in fetch_logs(conn, execution_id, min_level=str(level)):
            if wanted and record.task_id not in wanted:
                continue
            out.write(to_ion(_kestra_shape(record)) + "\n")
            size += 1
    return {"uri": ctx.put_file(path, "logs.ion"), "size": size}


def _kestra_shape(record) -> dict[str, Any]:
    return {"namespace": record.namespace, "flowId": record.flow_id, "taskId": record.task_id,
            "executionId": record.execution_id, "taskRunId": record.task_run_id,
            "attemptNumber": record.attempt, "timestamp": record.timestamp.isoformat(),
            "level": record.level, "message": record.message}
