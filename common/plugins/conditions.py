"""io.kestra.plugin.core.condition.*, plus the value types conditions and triggers share.

Every condition also answers to Kestra's legacy names
(``io.kestra.core.models.conditions.types.<X>Condition`` and, for most,
``io.kestra.plugin.core.condition.<X>Condition``), taken from ``@Plugin(aliases=...)``.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any, ClassVar, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from typing_extensions import Annotated

from common.durations import parse_duration
from common.plugins.base import TASK_ID_PATTERN, AnyCondition, Condition, StrictModel

_OLD = "io.kestra.core.models.conditions.types."
_NEW = "io.kestra.plugin.core.condition."

# ---------------------------------------------------------------- shared value types

StateType = Literal["CREATED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING",
                    "FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED"]
TERMINATED_STATES: tuple[str, ...] = ("SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED",
                                      "RETRIED", "SKIPPED")
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


def _literal_duration(value: str) -> str:
    parse_duration(value)
    return value


# A java.time.Duration property that Kestra does not render: an ISO-8601 literal only.
Duration = Annotated[str, AfterValidator(_literal_duration)]


def _zoned_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date-time needs a zone offset, e.g. 2024-01-01T08:30:00Z")
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError("expected an ISO-8601 date-time with offset")
    # Java's ZonedDateTime may end with a [Region/Zone] suffix.
    text = re.sub(r"\[[^\]]+\]$", "", value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is not an ISO-8601 date-time such as 2024-01-01T08:30:00Z")
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no zone offset")
    return value


def _time(require_offset: bool):
    def check(value: Any) -> Any:
        if isinstance(value, time):
            return value.isoformat()
        if not isinstance(value, str):
            raise ValueError("expected a time such as 08:30:00")
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not an ISO-8601 time such as 08:30:00")
        if require_offset and parsed.tzinfo is None:
            raise ValueError(f"'{value}' has no offset; expected e.g. 16:19:12+02:00")
        return value
    return check


# java.time.ZonedDateTime / OffsetTime / LocalTime literals (YAML may hand us parsed objects).
ZonedDateTime = Annotated[str, BeforeValidator(_zoned_datetime)]
OffsetTime = Annotated[str, BeforeValidator(_time(require_offset=True))]
LocalTime = Annotated[str, BeforeValidator(_time(require_offset=False))]


class LabelEntry(StrictModel):
    key: str
    value: str


def _no_system_labels(labels: Any) -> Any:
    keys = labels.keys() if isinstance(labels, dict) else [e.key for e in labels]
    for key in keys:
        if key.startswith("system."):
            raise ValueError(f"label '{key}': keys starting with 'system.' are reserved")
    return labels


# Kestra reads labels as a map of scalars or as a list of {key, value} (ListOrMapOfLabel).
Labels = Annotated[Union[dict[str, Union[str, int, float, bool]], list[LabelEntry]],
                   AfterValidator(_no_system_labels)]


class TimeWindow(StrictModel):
    """The window in which all preconditions (or MultipleCondition parts) must be met."""

    type: Literal["DAILY_TIME_DEADLINE", "DAILY_TIME_WINDOW", "DURATION_WINDOW",
                  "SLIDING_WINDOW"] = "DURATION_WINDOW"
    deadline: LocalTime | None = None
    window: Duration | None = None
    window_advance: Duration | None = None
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None

    # Which properties each type forbids / requires (TimeWindowValidator).
    _FORBIDDEN: ClassVar[dict[str, tuple[str, ...]]] = {
        "DAILY_TIME_DEADLINE": ("window", "window_advance", "start_time", "end_time"),
        "DAILY_TIME_WINDOW": ("window", "window_advance", "deadline"),
        "DURATION_WINDOW": ("deadline", "start_time", "end_time"),
        "SLIDING_WINDOW": ("deadline", "start_time", "end_time", "window_advance"),
    }
    _REQUIRED: ClassVar[dict[str, tuple[str, ...]]] = {
        "DAILY_TIME_DEADLINE": ("deadline",),
        "DAILY_TIME_WINDOW": ("start_time", "end_time"),
    }

    @model_validator(mode="after")
    def _fits_type(self) -> "TimeWindow":
        camel = self.model_config["alias_generator"]
        errors = [f"time window of type {self.type} cannot have {camel(f)}"
                  for f in self._FORBIDDEN[self.type] if getattr(self, f) is not None]
        errors += [f"time window of type {self.type} must have {camel(f)}"
                   for f in self._REQUIRED.get(self.type, ()) if getattr(self, f) is None]
        if errors:
            raise ValueError("; ".join(errors))
        return self


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
