"""io.kestra.plugin.core.condition.*; the value types they share with triggers are in fields.py.

Every condition also answers to Kestra's legacy names
(``io.kestra.core.models.conditions.types.<X>Condition`` and, for most,
``io.kestra.plugin.core.condition.<X>Condition``), taken from ``@Plugin(aliases=...)``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field
from typing_extensions import Annotated

from podium.common.plugins.base import AnyCondition, Condition
from podium.common.plugins.fields import (
    TASK_ID_PATTERN,
    DayOfWeek,
    Duration,
    Labels,
    OffsetTime,
    StateType,
    TimeWindow,
    ZonedDateTime,
)

_OLD = "io.kestra.core.models.conditions.types."
_NEW = "io.kestra.plugin.core.condition."

# ---------------------------------------------------------------- conditions

def _aliases(name: str, new_alias: bool = True) -> tuple[str, ...]:
    return (f"{_OLD}{name}Condition",) + ((f"{_NEW}{name}Condition",) if new_alias else ())


class ExecutionFlow(Condition):
    """True when the upstream execution belongs to the given flow."""

    TYPE: ClassVar[str] = _NEW + "ExecutionFlow"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("ExecutionFlow")

    namespace: str
    flow_id: str


class ExecutionNamespace(Condition):
    """True when the upstream execution's namespace equals / starts / ends with a value."""

    TYPE: ClassVar[str] = _NEW + "ExecutionNamespace"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("ExecutionNamespace")

    namespace: str
    comparison: Literal["EQUALS", "PREFIX", "SUFFIX"] | None = None
    prefix: bool = False  # legacy: PREFIX when comparison is unset


class ExecutionStatus(Condition):
    """True when the execution state is in `in` and not in `notIn`."""

    TYPE: ClassVar[str] = _NEW + "ExecutionStatus"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("ExecutionStatus")

    in_: list[StateType] | None = Field(None, alias="in")
    not_in: list[StateType] | None = None


class ExecutionLabels(Condition):
    """True when the execution carries all the given labels."""

    TYPE: ClassVar[str] = _NEW + "ExecutionLabels"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("ExecutionLabels")

    labels: Labels


class ExecutionOutputs(Condition):
    """True when the expression, rendered with the upstream outputs, is truthy."""

    TYPE: ClassVar[str] = _NEW + "ExecutionOutputs"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("ExecutionOutputs")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    expression: Annotated[str, Field(min_length=1)]


class Expression(Condition):
    """True when the rendered expression is truthy."""

    TYPE: ClassVar[str] = _NEW + "Expression"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "VariableCondition", _NEW + "ExpressionCondition")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    expression: Annotated[str, Field(min_length=1)]


class HasRetryAttempt(Condition):
    """True when some task run was retried with an attempt state matching in/notIn."""

    TYPE: ClassVar[str] = _NEW + "HasRetryAttempt"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("HasRetryAttempt")

    in_: list[StateType] | None = Field(None, alias="in")
    not_in: list[StateType] | None = None


class DateTimeBetween(Condition):
    """True when the date is after `after` and before `before`."""

    TYPE: ClassVar[str] = _NEW + "DateTimeBetween"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("DateTimeBetween")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: str = "{{ trigger.date }}"
    after: ZonedDateTime | None = None
    before: ZonedDateTime | None = None


class TimeBetween(Condition):
    """True when the time of day of the date is between `after` and `before`."""

    TYPE: ClassVar[str] = _NEW + "TimeBetween"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("TimeBetween")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: str = "{{ trigger.date }}"
    after: OffsetTime | None = None
    before: OffsetTime | None = None


class DayWeek(Condition):
    """True when the date falls on the given day of the week."""

    TYPE: ClassVar[str] = _NEW + "DayWeek"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("DayWeek")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: str = "{{ trigger.date }}"
    day_of_week: DayOfWeek


class DayWeekInMonth(Condition):
    """True when the date is the first/second/.../last given weekday of its month."""

    TYPE: ClassVar[str] = _NEW + "DayWeekInMonth"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("DayWeekInMonth")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: str = "{{ trigger.date }}"
    day_of_week: DayOfWeek
    day_in_month: Literal["FIRST", "LAST", "SECOND", "THIRD", "FOURTH"]


class Weekend(Condition):
    """True when the date is a Saturday or a Sunday."""

    TYPE: ClassVar[str] = _NEW + "Weekend"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("Weekend")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: str = "{{ trigger.date }}"


class PublicHoliday(Condition):
    """True when the date is a public holiday of the country (and subdivision)."""

    TYPE: ClassVar[str] = _NEW + "PublicHoliday"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("PublicHoliday")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    date: Annotated[str, Field(min_length=1)] = "{{ trigger.date }}"
    country: str | None = None
    sub_division: str | None = None


class Not(Condition):
    """True when none of the conditions is true."""

    TYPE: ClassVar[str] = _NEW + "Not"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("Not")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    conditions: Annotated[list[AnyCondition], Field(min_length=1)]


class Or(Condition):
    """True when at least one of the conditions is true."""

    TYPE: ClassVar[str] = _NEW + "Or"
    ALIASES: ClassVar[tuple[str, ...]] = _aliases("Or")
    SCHEDULE_CONDITION: ClassVar[bool] = True

    conditions: Annotated[list[AnyCondition], Field(min_length=1)]


class MultipleCondition(Condition):
    """True once every named sub-condition has been met within the time window (deprecated)."""

    TYPE: ClassVar[str] = _NEW + "MultipleCondition"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "MultipleCondition",)
    DEPRECATED: ClassVar[bool] = True

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN)]
    conditions: Annotated[dict[str, AnyCondition], Field(min_length=1)]
    time_window: TimeWindow = Field(default_factory=TimeWindow)
    reset_on_success: bool = True
    window: Duration | None = None  # deprecated for timeWindow.window
    window_advance: Duration | None = None  # deprecated for timeWindow.windowAdvance


class FlowCondition(Condition):
    """True when the current flow is the given one (deprecated)."""

    TYPE: ClassVar[str] = _NEW + "FlowCondition"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "FlowCondition",)
    DEPRECATED: ClassVar[bool] = True

    namespace: str
    flow_id: str


class FlowNamespaceCondition(Condition):
    """True when the current flow's namespace equals (or starts with) the value (deprecated)."""

    TYPE: ClassVar[str] = _NEW + "FlowNamespaceCondition"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "FlowNamespaceCondition",)
    DEPRECATED: ClassVar[bool] = True

    namespace: str
    prefix: bool = False


def when_condition(expression: str | None) -> list[Expression]:
    """A trigger's `when` (Kestra 2.0's replacement of its `conditions`) as the Expression
    condition it behaves as: none when unset."""
    if expression is None or not expression.strip():
        return []
    return [Expression.model_validate({"type": Expression.TYPE, "expression": expression})]
