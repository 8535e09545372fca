"""`holds(condition, ctx)`: whether one condition holds for one trigger's facts.

The context is what changes from one kind of trigger to another; the meaning of each
condition type is written once, below and in dates.py:
- Expression: the rendered text is truthy (Kestra's TruthUtils, after trimming);
- Not: none of its conditions holds; Or: at least one does;
- ExecutionFlow / Namespace / Status / Labels / Outputs: about the execution that changed
  state (Flow triggers only);
- the date conditions: about `ctx.moment(condition.date)`.
A type outside `ctx.kinds` raises UnsupportedCondition naming `ctx.trigger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from podium.common.conditions import dates
from podium.common.conditions.errors import ConditionError, UnsupportedCondition
from podium.common.models.execution import Execution
from podium.common.plugins import conditions as c
from podium.common.plugins.base import Condition
from podium.common.templating import is_truthy

__all__ = ["FLOW_TRIGGER_CONDITIONS", "SCHEDULE_CONDITIONS", "WEBHOOK_CONDITIONS",
           "ConditionContext", "ConditionError", "UnsupportedCondition", "has_labels", "holds",
           "rendered_truth"]

# What each trigger evaluates (Kestra: ScheduleCondition types for a Schedule; the
# execution conditions for a Flow trigger; a Webhook only has its request to look at).
_LOGIC: frozenset[type[Condition]] = frozenset((c.Expression, c.Not, c.Or))
SCHEDULE_CONDITIONS = _LOGIC | {c.DateTimeBetween, c.TimeBetween, c.DayWeek,
                                c.DayWeekInMonth, c.Weekend, c.PublicHoliday}
FLOW_TRIGGER_CONDITIONS = _LOGIC | {c.ExecutionFlow, c.ExecutionNamespace, c.ExecutionStatus,
                                    c.ExecutionLabels, c.ExecutionOutputs, c.Weekend}
WEBHOOK_CONDITIONS = _LOGIC


@dataclass(frozen=True)
class ConditionContext:
    """What one trigger lets its conditions see.

    `render(template) -> text` renders against the trigger's variables and raises
    ConditionError (or another PodiumError) when it cannot; `moment(date_property)` is the
    aware datetime the date conditions judge; `execution` and `state` are the execution
    that changed state and the state it entered (Flow triggers only)."""

    trigger: str  # named in errors: "the scheduler", "a Flow trigger", "webhooks"
    kinds: frozenset[type]
    render: Callable[[str], str]
    moment: Callable[[str], datetime] = lambda _date: _no_moment()
    execution: Execution | None = None
    state: str | None = None


def holds(condition: Any, ctx: ConditionContext) -> bool:
    """Raises UnsupportedCondition for a type this trigger does not evaluate, and
    ConditionError (or the render's error) when the condition cannot be judged."""
    check = _CHECKS.get(type(condition)) if type(condition) in ctx.kinds else None
    if check is None:
        name = getattr(condition, "type", None) or getattr(condition, "TYPE", condition)
        raise UnsupportedCondition(f"condition {name} is not evaluated by {ctx.trigger}")
    return check(condition, ctx)


def _no_moment() -> datetime:
    raise ConditionError("no date to judge a date condition against")


def rendered_truth(text: str) -> bool:
    """Whether a rendered condition is true: trimmed, then Kestra's TruthUtils (a Flow
    trigger's `when` and `where` EXPRESSION filters read it the same way)."""
    return is_truthy(text.strip())


def _expression(cond: c.Expression | c.ExecutionOutputs, ctx: ConditionContext) -> bool:
    return rendered_truth(ctx.render(cond.expression))


def _not(cond: c.Not, ctx: ConditionContext) -> bool:
    return not any(holds(sub, ctx) for sub in cond.conditions)


def _or(cond: c.Or, ctx: ConditionContext) -> bool:
    return any(holds(sub, ctx) for sub in cond.conditions)


def _source(ctx: ConditionContext) -> Execution:
    if ctx.execution is None:
        raise UnsupportedCondition(f"execution conditions are not evaluated by {ctx.trigger}")
    return ctx.execution


def _flow(cond: c.ExecutionFlow, ctx: ConditionContext) -> bool:
    source = _source(ctx)
    return source.namespace == cond.namespace and source.flow_id == cond.flow_id


def _namespace(cond: c.ExecutionNamespace, ctx: ConditionContext) -> bool:
    namespace = _source(ctx).namespace
    comparison = cond.comparison or ("PREFIX" if cond.prefix else "EQUALS")
    if comparison == "PREFIX":
        return namespace.startswith(cond.namespace)
    if comparison == "SUFFIX":
        return namespace.endswith(cond.namespace)
    return namespace == cond.namespace


def _status(cond: c.ExecutionStatus, ctx: ConditionContext) -> bool:
    state = ctx.state
    return (cond.in_ is None or state in cond.in_) and \
        (cond.not_in is None or state not in cond.not_in)


def _labels(cond: c.ExecutionLabels, ctx: ConditionContext) -> bool:
    wanted = cond.labels if isinstance(cond.labels, dict) else \
        {label.key: label.value for label in cond.labels}
    return has_labels(_source(ctx), wanted)


def has_labels(execution: Execution, wanted: dict[str, Any]) -> bool:
    """Whether the execution carries every wanted label (values compared as text)."""
    have = {label["key"]: label["value"] for label in execution.labels}
    return all(str(have.get(key)) == str(value) for key, value in wanted.items())


def _outputs(cond: c.ExecutionOutputs, ctx: ConditionContext) -> bool:
    return bool(_source(ctx).outputs) and _expression(cond, ctx)


_CHECKS: dict[type, Callable[[Any, ConditionContext], bool]] = {
    c.Expression: _expression, c.Not: _not, c.Or: _or,
    c.ExecutionFlow: _flow, c.ExecutionNamespace: _namespace, c.ExecutionStatus: _status,
    c.ExecutionLabels: _labels, c.ExecutionOutputs: _outputs,
    c.DateTimeBetween: dates.date_time_between, c.TimeBetween: dates.time_between,
    c.DayWeek: dates.day_week, c.DayWeekInMonth: dates.day_week_in_month,
    c.Weekend: dates.weekend, c.PublicHoliday: dates.public_holiday,
}
