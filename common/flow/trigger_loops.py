"""Flow triggers that start each other in a loop, found when a flow is saved or validated.

A loop (A's Flow trigger listens to B, B's to A) is a warning, not an error: Kestra accepts
such flows, and a loop may be meant to stop by itself (a condition on an output, say). If
it does not, the executor stops the chain at its depth limit (common/call_chain.py).

Which upstream flows a trigger listens to is read from what names flows: ExecutionFlow and
ExecutionNamespace conditions (all must hold), the flows of MultipleCondition,
`preconditions` and `dependsOn` (any of them may be the one that fires it). Conditions on
anything else (states, labels, expressions) are assumed to hold: this is a warning.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from podium.common.flow.model import Flow
from podium.common.plugins import conditions as c
from podium.common.plugins.triggers import Flow as FlowTrigger

FlowKey = tuple[str, str]  # (namespace, flow id)
Watches = Callable[[str, str], bool]  # (namespace, flow id) of an upstream execution


def loop_warnings(flow: Flow, others: Iterable[Flow]) -> list[str]:
    """A warning for the shortest loop of Flow triggers through `flow`, if any. `others`:
    the other flows (the stored ones, or those saved with it); `flow` replaces any of
    them with its namespace and id."""
    loop = trigger_loop(flow, others)
    if loop is None:
        return []
    chain = " → ".join(f"{namespace}.{flow_id}" for namespace, flow_id in loop)
    return [f"Flow triggers form a loop: {chain} (an execution of each starts the next); "
            "the executor stops such a chain at its depth limit "
            "(PODIUM_EXECUTOR__MAX_CHAIN_DEPTH)"]


def trigger_loop(flow: Flow, others: Iterable[Flow]) -> list[FlowKey] | None:
    """The shortest cycle `flow → ... → flow` where each flow's end fires the next one's
    Flow trigger, or None."""
    start = (flow.namespace, flow.id)
    listeners = {(other.namespace, other.id): _watches(other) for other in others
                 if (other.namespace, other.id) != start and not other.disabled}
    listeners[start] = _watches(flow)
    active = {key: watches for key, watches in listeners.items() if watches is not None}
    if start not in active:
        return None  # `flow` listens to nothing: no loop goes through it
    came_from: dict[FlowKey, FlowKey] = {}
    queue = deque([start])
    while queue:
        source = queue.popleft()
        for listener, watches in active.items():
            if listener == source or not watches(*source):
                continue  # a flow never triggers itself
            if listener == start:
                return _path(came_from, source, start)
            if listener not in came_from:
                came_from[listener] = source
                queue.append(listener)
    return None


def _path(came_from: dict[FlowKey, FlowKey], last: FlowKey, start: FlowKey) -> list[FlowKey]:
    path = [last]
    while path[-1] != start:
        path.append(came_from[path[-1]])
    return [*reversed(path), start]


def _watches(flow: Flow) -> Watches | None:
    """Whether any enabled Flow trigger of `flow` may fire on an upstream flow; None when
    the flow has none (or is disabled)."""
    if flow.disabled:
        return None
    triggers = [trigger for trigger in flow.triggers or []
                if isinstance(trigger, FlowTrigger) and not trigger.disabled]
    if not triggers:
        return None
    checks = [_trigger_watches(trigger) for trigger in triggers]
    return lambda namespace, flow_id: any(check(namespace, flow_id) for check in checks)


def _trigger_watches(trigger: FlowTrigger) -> Watches:
    plain = [_condition_watches(cond) for cond in trigger.conditions or []
             if not isinstance(cond, c.MultipleCondition)]
    parts = [_condition_watches(sub) for cond in trigger.conditions or []
             if isinstance(cond, c.MultipleCondition) for sub in cond.conditions.values()]
    if trigger.preconditions is not None:
        parts += [_upstream_watches(up.namespace, up.flow_id)
                  for up in trigger.preconditions.flows or []]
    parts += [_upstream_watches(dep.namespace, dep.flow_id) for dep in trigger.depends_on or []]

    def watches(namespace: str, flow_id: str) -> bool:
        if not all(check(namespace, flow_id) for check in plain):
            return False
        return not parts or any(check(namespace, flow_id) for check in parts)
    return watches


def _upstream_watches(namespace: str | None, flow_id: str | None) -> Watches:
    return lambda ns, fid: (namespace is None or ns == namespace) and \
        (flow_id is None or fid == flow_id)


def _condition_watches(cond: object) -> Watches:
    if isinstance(cond, c.ExecutionFlow):
        return _upstream_watches(cond.namespace, cond.flow_id)
    if isinstance(cond, c.ExecutionNamespace):
        return _namespace_watches(cond)
    if isinstance(cond, c.Or):
        subs = [_condition_watches(sub) for sub in cond.conditions]
        return lambda ns, fid: any(check(ns, fid) for check in subs)
    return lambda ns, fid: True  # about something else than which flow: may hold


def _namespace_watches(cond: c.ExecutionNamespace) -> Watches:
    comparison = cond.comparison or ("PREFIX" if cond.prefix else "EQUALS")
    if comparison == "PREFIX":
        return lambda ns, fid: ns.startswith(cond.namespace)
    if comparison == "SUFFIX":
        return lambda ns, fid: ns.endswith(cond.namespace)
    return lambda ns, fid: ns == cond.namespace
