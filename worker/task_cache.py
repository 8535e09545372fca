"""taskCache on the worker: before running a cached task, look its outputs up (read only:
the executor writes the entries, common/store/task_cache.py), and hand back the key a miss
is to be stored under.

As Kestra's worker: only runnable tasks (a WorkingDirectory's children included); a key
that cannot be computed (a property that does not render) or a store that cannot be read is
logged at ERROR and the task simply runs; a hit is a SUCCESS attempt with the cached
outputs and the body never runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from podium.common.messages import RunTask
from podium.common.models.state import State
from podium.common.plugins.base import Task, TaskKind
from podium.common.store import Database
from podium.common.store.task_cache import get_task_cache
from podium.common.store.types import utcnow
from podium.common.task_cache import FAKE_VARIABLES, enabled, is_fresh, rendered_key
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import Outcome

Lookup = tuple[Outcome | None, str | None]


def look_up(db: Database, message: RunTask, task: Task, ctx: RunContext,
            on_log: Callable[[str, str], None]) -> Lookup:
    """(the cached outcome, None) on a hit; (None, key) on a miss; (None, None) when the
    task is not cached."""
    value = (message.context.get("taskrun") or {}).get("value")
    return look_up_definition(db, (message.namespace, message.flow_id), message.task, value,
                              task, ctx, on_log)


def look_up_child(db: Database, child: Task, ctx: RunContext) -> Lookup:
    """`look_up` for a child of a WorkingDirectory, rendered in its own context; it caches
    under the WorkingDirectory run's value."""
    flow = ctx.context.get("flow") or {}
    value = (ctx.context.get("workerTaskrun") or {}).get("value")
    definition = child.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return look_up_definition(db, (flow.get("namespace"), flow.get("id")), definition,
                              value, child, ctx, ctx.log)


def look_up_definition(db: Database, flow: tuple[str, str], definition: dict[str, Any],
                       value: Any, task: Task, ctx: RunContext,
                       on_log: Callable[[str, str], None]) -> Lookup:
    if type(task).KIND is not TaskKind.RUNNABLE or not enabled(definition) or db is None:
        return None, None
    try:
        key = rendered_key(definition, value,
                           lambda raw: ctx.render_value(raw, FAKE_VARIABLES))
    except Exception as exc:  # noqa: BLE001 - any failure only means "not cached"
        on_log("ERROR", f"Unable to create the cache key for the task '{task.id}': {exc}")
        return None, None
    try:
        with db.read() as conn:
            entry = get_task_cache(conn, flow[0], flow[1], key)
    except Exception as exc:  # noqa: BLE001
        on_log("ERROR", f"Unexpected exception while loading the cache for task '{task.id}', "
                        f"the task will be executed instead: {exc}")
        return None, key
    ttl = (definition.get("taskCache") or {}).get("ttl")
    if entry is None or not is_fresh(entry.created, ttl, utcnow()):
        return None, key
    on_log("INFO", f"Skipping task execution for task '{task.id}' as there is an existing "
                   "cache entry for it")
    return Outcome(state=State.SUCCESS, outputs=entry.outputs), None
