"""A Schedule's conditions judged against one candidate date: the scheduler's context for
the shared evaluator (common/conditions).

Templates (a condition's `date`, `{{ trigger.date }}` by default, or an Expression) render
with the candidate's trigger variables, as `trigger.*` and `schedule.*`. A condition type a
Schedule cannot judge (ExecutionOutputs, which needs an upstream execution) raises
ConditionError; the service logs it and skips the date, as Kestra does for a condition that
fails to evaluate. Types that are no ScheduleCondition in Kestra are not looked at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from podium.common.conditions import SCHEDULE_CONDITIONS, ConditionContext, ConditionError, holds
from podium.common.conditions.dates import as_datetime
from podium.common.plugins.base import Condition
from podium.common.templating import render

__all__ = ["ConditionError", "all_hold", "schedule_context"]

_DEFAULT_DATE = "{{ trigger.date }}"


def all_hold(conditions: list[Condition], variables: dict[str, Any]) -> bool:
    """True when every schedule condition holds for the trigger variables (`date`, ...)."""
    ctx = schedule_context(variables)
    return all(holds(condition, ctx) for condition in conditions
               if condition.SCHEDULE_CONDITION)


def schedule_context(variables: dict[str, Any]) -> ConditionContext:
    context = {"trigger": variables, "schedule": variables}

    def render_text(template: str) -> str:
        return _render(template, context)

    def moment(template: str) -> datetime:
        return as_datetime(_render(template, context))

    return ConditionContext("the scheduler", SCHEDULE_CONDITIONS, render_text, moment)


def _render(template: str, context: dict[str, Any]) -> str:
    if template == _DEFAULT_DATE:  # the common case needs no template engine
        return str(context["trigger"]["date"])
    try:
        return render(template, context)
    except Exception as exc:  # noqa: BLE001 - any render failure is the condition's error
        raise ConditionError(f"cannot render '{template}': {exc}") from exc
