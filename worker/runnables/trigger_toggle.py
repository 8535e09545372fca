"""io.kestra.plugin.core.trigger.Toggle: enable or disable a trigger in the trigger store."""

from __future__ import annotations

from typing import Any

from podium.common.plugins.tasks.trigger_tasks import Toggle
from podium.common.store.triggers import TriggerState, ensure_trigger, set_trigger_disabled
from podium.worker.run_context import RunContext
from podium.worker.runnables.base import TaskFailure, runs


@runs(Toggle)
def run_toggle(task: Toggle, ctx: RunContext) -> None:
    """Kestra: the trigger of `namespace`.`flowId` (default: this flow) becomes enabled or
    disabled. A trigger the scheduler has not stored yet is stored with that state; the
    scheduler keeps it when it takes the trigger up."""
    if ctx.store is None:
        raise TaskFailure("toggling a trigger needs the store")
    flow = ctx.context.get("flow") or {}
    namespace = ctx.render(task.namespace) if task.namespace else flow.get("namespace")
    flow_id = ctx.render(task.flow_id) if task.flow_id else flow.get("id")
    trigger_id = ctx.render(task.trigger)
    enabled = _flag(ctx.render(task.enabled) if isinstance(task.enabled, str) else task.enabled)
    key = (namespace, flow_id, trigger_id)
    with ctx.store.begin() as conn:
        if not set_trigger_disabled(conn, key, not enabled):
            ensure_trigger(conn, TriggerState(namespace, flow_id, trigger_id, fingerprint="",
                                              disabled=not enabled))
    ctx.log("INFO", f"Trigger '{trigger_id}' of {namespace}.{flow_id} "
                    f"{'enabled' if enabled else 'disabled'}")


def _flag(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"
