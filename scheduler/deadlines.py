"""Kestra 2.0's Flow trigger `onMiss`: when a `window.deadline` passes and the trigger has
not fired since that day's window opened, one FAILED execution of the listening flow,
labelled with `onMiss.labels` (e.g. `sla: miss`, for an alerting flow to react to).

The scheduler watches the deadlines: the executor decides Flow triggers only when an
upstream execution changes state, so nothing there would notice a deadline passing in
silence. Exactly once per (trigger, deadline) whatever the number of schedulers: the
execution id derives from both and the primary key keeps one. A deadline that passed
before the trigger's revision was saved is not a miss. Plain functions, but for the ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from podium.common.flow.model import Flow
from podium.common.flow_windows import MISSED_DEADLINE, WindowSpec, bounds, last_deadline, of_window
from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.plugins.triggers import Flow as FlowTrigger
from podium.common.submission import new_execution
from podium.scheduler.plan import execution_id, iso

MISSED = MISSED_DEADLINE  # the trigger variable that marks a miss execution


@dataclass(frozen=True)
class MissSpec:
    key: tuple[str, str, str]  # (namespace, flow id, trigger id)
    flow: Flow
    revision: int
    trigger: FlowTrigger
    window: WindowSpec
    since: datetime | None  # when this revision was saved


def miss_specs(flow: Flow, revision: int, saved_at: datetime | None) -> list[MissSpec]:
    return [MissSpec((flow.namespace, flow.id, trigger.id), flow, revision, trigger,
                     of_window(trigger.window), saved_at)
            for trigger in flow.triggers or []
            if isinstance(trigger, FlowTrigger) and not trigger.disabled
            and trigger.on_miss is not None]


def due_deadline(spec: MissSpec, now: datetime) -> datetime | None:
    """The deadline to check now: the last one passed, unless it passed before the trigger
    (this revision of it) existed."""
    deadline = last_deadline(spec.window, now)
    if deadline is None or (spec.since is not None and deadline < spec.since):
        return None
    return deadline


def window_opened(spec: MissSpec, deadline: datetime) -> datetime:
    """When the window that `deadline` closes opened (midnight of its day, in its zone)."""
    window = bounds(spec.window, deadline)
    return window[0] if window is not None else deadline


def fired_in(executions: list[Execution], trigger_id: str, start: datetime,
             end: datetime) -> bool:
    """Whether the trigger started one of these executions (of its flow) between `start`
    and `end`: a miss execution does not count."""
    for execution in executions:
        trigger = execution.trigger or {}
        created = execution.history.histories[0].date
        if trigger.get("id") == trigger_id and MISSED not in (trigger.get("variables") or {}) \
                and start <= created <= end:
            return True
    return False


def missed_execution(spec: MissSpec, deadline: datetime, now: datetime) -> Execution:
    on_miss = spec.trigger.on_miss
    variables: dict[str, Any] = {MISSED: iso(deadline)}
    execution = new_execution(
        spec.flow, spec.revision, None, now, labels=on_miss.labels or None,
        trigger={"id": spec.trigger.id, "type": spec.trigger.TYPE, "variables": variables},
        execution_id=execution_id(spec.key, deadline, salt="onMiss"), validate_inputs=False)
    reason = (f"Flow trigger '{spec.trigger.id}': its dependencies were not satisfied by the "
              f"deadline {iso(deadline)} (onMiss: {on_miss.behavior})")
    return execution.moved_to(State.FAILED, now).model_copy(update={"error": reason})
