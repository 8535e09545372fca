"""Whether an execution's change of state fires a Flow trigger: plain functions over data.

`fires(trigger, listener_flow, source, state, render)` applies Kestra's rules: the listening
flow is never the source's flow; the state entered must be one of the trigger's `states`
(terminated states by default); every condition must hold. `render(template, extra=None)
-> str` renders against the source execution (ExecutionOutputs, Expression, `when`), with
`extra` variables on top.

Kestra 2.0's dialect maps onto the same machinery: `dependsOn` is a window condition whose
parts are its entries (`mode` says how many must be met: all, any, at least
`minSatisfied`), within `window` (common/flow_windows.py); the trigger-level
`when` is a plain condition, checked before any window.

Plain conditions (Expression, Not, Or, Execution*, Weekend) are judged by the shared
evaluator (common/conditions) with this trigger's context: the source execution, the state
it entered, its render and the moment of the change. MultipleCondition and `preconditions`
need what other executions did in a time window: `window_facts` gives the sub-conditions met by earlier executions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from podium.common import flow_windows as windows
from podium.common.conditions import (
    FLOW_TRIGGER_CONDITIONS,
    ConditionContext,
    UnsupportedCondition,
    has_labels,
    rendered_truth,
)
from podium.common.conditions import holds as plain_holds
from podium.common.errors import PodiumError
from podium.common.flow_windows import WindowSpec
from podium.common.models.execution import Execution
from podium.common.plugins import conditions as c
from podium.common.plugins.fields import TERMINATED_STATES
from podium.common.plugins.triggers import Flow as FlowTrigger

Render = Callable[..., str]  # (template, extra variables or None) -> text
log = logging.getLogger(__name__)


__all__ = ["UnsupportedCondition", "fires", "listens", "parts_met", "window_conditions"]


def fires(trigger: FlowTrigger, listener: tuple[str, str], source: Execution, state: str,
          render: Render, windows: Callable[[c.MultipleCondition], set[str]] | None = None
          ) -> bool:
    if not listens(trigger, listener, source, state, render):
        return False
    return all(holds(condition, source, state, render, windows)
               for condition in window_conditions(trigger))


def listens(trigger: FlowTrigger, listener: tuple[str, str], source: Execution, state: str,
            render: Render) -> bool:
    """What Kestra checks before any window: the source is another flow, the state entered
    is one of the trigger's `states`, and every plain (non-window) condition holds. Only
    such an execution counts towards a window."""
    if (source.namespace, source.flow_id) == listener:
        return False  # a flow never triggers itself
    states = _listened_states(trigger)
    if states and state not in states:
        return False
    if trigger.when is not None and not _when(trigger.when, source, state, render):
        return False
    return all(holds(condition, source, state, render) for condition in trigger.conditions or []
               if not isinstance(condition, c.MultipleCondition))


def _listened_states(trigger: FlowTrigger) -> list[str]:
    """The trigger's `states`; with `dependsOn` only when written (each entry has its own
    states, whose default includes PAUSED, which the trigger's default would hide)."""
    if trigger.depends_on is not None and "states" not in trigger.model_fields_set:
        return []
    return trigger.states or []


def when_variables(source: Execution, state: str) -> dict[str, Any]:
    """What a Kestra 2.0 `when` reads besides the upstream execution's own context (the
    migration guide's names)."""
    return {"namespace": source.namespace, "flowId": source.flow_id, "state": state}


def _when(template: str, source: Execution, state: str, render: Render) -> bool:
    return rendered_truth(render(template, when_variables(source, state)))


def window_conditions(trigger: FlowTrigger) -> list:
    """The trigger's MultipleConditions, its `preconditions` and its `dependsOn`, in that
    order."""
    found: list = [cond for cond in trigger.conditions or []
                   if isinstance(cond, c.MultipleCondition)]
    if trigger.preconditions is not None:
        found.append(Preconditions.of(trigger.preconditions))
    if trigger.depends_on is not None:
        found.append(Preconditions.of_depends_on(trigger))
    return found


def parts_met(condition, source: Execution, state: str, render: Render) -> set[str]:
    """The named parts of a MultipleCondition or `preconditions` that `source` (entering
    `state`) satisfies. A part that cannot be evaluated (say, an expression naming a label
    this execution lacks) is not met, as Kestra's ConditionService.isValid treats it; it
    does not stop the other parts."""
    met = set()
    for name, sub in condition.conditions.items():
        try:
            if holds(sub, source, state, render):
                met.add(name)
        except PodiumError as exc:
            log.debug("condition %s not met by %s: %s", name, source.id, exc)
    return met


@dataclass(frozen=True)
class UpstreamCheck:
    """One entry of `preconditions.flows`: an execution of that flow in one of `states`
    (SUCCESS by default) carrying `labels`."""

    upstream: Any


@dataclass(frozen=True)
class FilterCheck:
    """One entry of `preconditions.where`: its filters combined with AND or OR."""

    group: Any


@dataclass(frozen=True)
class DependencyCheck:
    """One entry of a Kestra 2.0 `dependsOn`."""

    entry: Any


# A dependsOn entry without `states`: the terminal states and PAUSED (Kestra 2.0).
DEPENDENCY_STATES = (*TERMINATED_STATES, "RESUBMITTED", "PAUSED")


@dataclass(frozen=True)
class Preconditions:
    """Kestra's Flow trigger `preconditions` (or 2.0 `dependsOn`), evaluated as a
    MultipleCondition is: `need` named parts (all when None) met by executions within the
    time window `spec`."""

    id: str
    conditions: dict[str, Any]
    spec: WindowSpec
    reset_on_success: bool
    need: int | None = None

    @classmethod
    def of(cls, pre) -> "Preconditions":
        parts: dict[str, Any] = {f"flow{i}": UpstreamCheck(upstream)
                                 for i, upstream in enumerate(pre.flows or [])}
        parts.update({f"where:{group.id}": FilterCheck(group) for group in pre.where or []})
        return cls(pre.id, parts, windows.of_time_window(pre.time_window),
                   pre.reset_on_success)

    @classmethod
    def of_depends_on(cls, trigger: FlowTrigger) -> "Preconditions":
        # Results reset once the trigger fired (Kestra 2.0: "the stored results are reset").
        parts = {_entry_key(i, entry): DependencyCheck(entry)
                 for i, entry in enumerate(trigger.depends_on)}
        need = {"ALL": None, "ANY": 1}.get(trigger.mode, trigger.min_satisfied)
        return cls(f"dependsOn:{trigger.id}", parts, windows.of_window(trigger.window),
                   True, need)


def _entry_key(index: int, entry) -> str:
    return f"{index}:{entry.namespace or '*'}/{entry.flow_id or '*'}"


def window_spec(condition) -> WindowSpec:
    """The window of a MultipleCondition or a Preconditions."""
    if isinstance(condition, Preconditions):
        return condition.spec
    return windows.of_time_window(condition.time_window, condition.window,
                                  condition.window_advance)


def needed(condition) -> int:
    """How many of a window condition's parts must be met."""
    need = getattr(condition, "need", None)
    return len(condition.conditions) if need is None else need


def holds(condition, source: Execution, state: str, render: Render,
          windows: Callable[[c.MultipleCondition], set[str] | None] | None = None) -> bool:
    if isinstance(condition, (c.MultipleCondition, Preconditions)):
        if windows is None:
            raise UnsupportedCondition("MultipleCondition needs the window of executions")
        earlier = windows(condition)
        if earlier is None:  # no window is open now (a daily range or deadline)
            return False
        met = earlier | parts_met(condition, source, state, render)
        return len(met & set(condition.conditions)) >= needed(condition)
    check = _PARTS.get(type(condition))
    if check is not None:
        return check(condition, source, state, render)
    return plain_holds(condition, _context(source, state, render))


def _context(source: Execution, state: str, render: Render) -> ConditionContext:
    """A Flow trigger's view for the shared evaluator: the date conditions it judges
    (Weekend) read the moment of the change."""
    return ConditionContext("a Flow trigger", FLOW_TRIGGER_CONDITIONS, render,
                            moment=lambda _date: _now(), execution=source, state=state)


def _upstream(check: UpstreamCheck, source, state, render) -> bool:
    upstream = check.upstream
    if source.namespace != upstream.namespace or \
            (upstream.flow_id is not None and source.flow_id != upstream.flow_id):
        return False
    # No `states`: any state the trigger listens to (Kestra's UpstreamFlowCondition).
    if upstream.states is not None and state not in upstream.states:
        return False
    return has_labels(source, upstream.labels or {})


def _dependency(check: DependencyCheck, source, state, render) -> bool:
    entry = check.entry
    if entry.namespace is not None and source.namespace != entry.namespace:
        return False
    if entry.flow_id is not None and source.flow_id != entry.flow_id:
        return False
    if state not in (entry.states or DEPENDENCY_STATES):
        return False
    if not has_labels(source, entry.labels or {}):
        return False
    return entry.when is None or _when(entry.when, source, state, render)


def _where(check: FilterCheck, source, state, render) -> bool:
    # Short-circuits as Kestra's allMatch / anyMatch do: an EXPRESSION after a filter that
    # already decided is never rendered, so it cannot fail on a label this execution lacks.
    results = (_filter(f, source, state, render) for f in check.group.filters)
    return any(results) if check.group.operand == "OR" else all(results)


def _filter(f, source: Execution, state: str, render: Render) -> bool:
    value = {"FLOW_ID": source.flow_id, "NAMESPACE": source.namespace, "STATE": state,
             "EXPRESSION": None}[f.field]
    if f.field == "EXPRESSION":
        truth = rendered_truth(render(f.value))
        return truth if f.type in ("IS_TRUE", "EQUAL_TO") else not truth
    tests = {"EQUAL_TO": lambda: value == f.value, "NOT_EQUAL_TO": lambda: value != f.value,
             "IN": lambda: value in (f.values or []), "NOT_IN": lambda: value not in (f.values or []),
             "STARTS_WITH": lambda: str(value).startswith(f.value or ""),
             "ENDS_WITH": lambda: str(value).endswith(f.value or ""),
             "CONTAINS": lambda: (f.value or "") in str(value),
             "REGEX": lambda: re.search(f.value or "", str(value)) is not None,
             "IS_NULL": lambda: value is None, "IS_NOT_NULL": lambda: value is not None}
    test = tests.get(f.type)
    if test is None:
        raise UnsupportedCondition(f"filter type {f.type} on {f.field}")
    return test()


def _now() -> datetime:
    from podium.common.store.types import utcnow
    return utcnow()


# The parts of `preconditions` and `dependsOn` (Preconditions.of...): Flow-trigger only.
_PARTS = {UpstreamCheck: _upstream, FilterCheck: _where, DependencyCheck: _dependency}
