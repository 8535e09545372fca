"""Field types the plugin models share: expressions, durations, Java time literals, labels.

Also ``StrictModel``, the base of every flow-language model, since the shared models here
(``Label``, ``TimeWindow``) are built on it. ``common.plugins.base`` re-exports the names
older code imports from there.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any, Callable, ClassVar, Literal, TypeVar, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from typing_extensions import Annotated

from podium.common.durations import parse_duration

# Kestra's id patterns (Java @Pattern: the whole value must match).
TASK_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$"
# Kestra sets no length; ours is the width of the store's task_id and trigger_id columns
# (common/store/schema.py), which PostgreSQL enforces when the task run is written.
TASK_ID_MAX_LENGTH = 255

T = TypeVar("T")


class StrictModel(BaseModel):
    """Base of every flow-language model: camelCase in YAML, unknown keys rejected.

    Numbers given to a string property become their text, as Jackson reads them
    (``key: 2024`` -> "2024"); a union that also takes a number (``Dyn[int]``) keeps it.
    """

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True,
        defer_build=True, arbitrary_types_allowed=False, coerce_numbers_to_str=True,
    )


# ---------------------------------------------------------------- expressions and durations

def is_expression(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _require_expression(value: str) -> str:
    if not is_expression(value):
        raise ValueError("expected an expression such as '{{ inputs.x }}'")
    return value


def _require_duration(value: str) -> str:
    if not is_expression(value):
        _literal_duration(value)
    return value


def _literal_duration(value: str) -> str:
    # Every duration of the flow language is a length of time to wait or allow (timeouts,
    # intervals, delays, TTLs, windows): a negative one is always a mistake.
    if parse_duration(value) < timedelta(0):
        raise ValueError(f"'{value}' is a negative duration; durations must be zero or more")
    return value


# A string that holds a {{ }} / {% %} expression, rendered at run time.
Expr = Annotated[str, AfterValidator(_require_expression)]
# A property that takes either a literal T or an expression that renders to one.
Dyn = Union[T, Expr]
# An ISO-8601 duration such as PT5M, or an expression rendering to one.
DurationStr = Annotated[str, AfterValidator(_require_duration)]
# A java.time.Duration property that Kestra does not render: an ISO-8601 literal only.
Duration = Annotated[str, AfterValidator(_literal_duration)]


# ---------------------------------------------------------------- scalars and counts

def _scalar_to_str(value: Any) -> Any:
    # Jackson reads a YAML scalar into a String property as its text (`true` -> "true").
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# A string property that, like Kestra's, also takes a YAML number or boolean as text.
ScalarStr = Annotated[str, BeforeValidator(_scalar_to_str)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
# `concurrent` / `concurrencyLimit` of Parallel-like tasks: 0 means no limit.
Concurrency = Annotated[int, Field(ge=0)]


# ---------------------------------------------------------------- states and days

def _state_alias(value: Any) -> Any:
    # Kestra before 2.0 also read CANCELED (one L) as CANCELLED; flows written then use it.
    return "CANCELLED" if value == "CANCELED" else value


StateType = Annotated[
    Literal["CREATED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING",
            "FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED"],
    BeforeValidator(_state_alias)]
TERMINATED_STATES: tuple[StateType, ...] = ("SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED",
                                      "RETRIED", "SKIPPED")
DayOfWeek = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


# ---------------------------------------------------------------- java.time literals

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
        raise ValueError(f"'{value}' is not an ISO-8601 date-time such as 2024-01-01T08:30:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError(f"'{value}' has no zone offset")
    return value


def _time(require_offset: bool) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, time):
            return value.isoformat()
        if not isinstance(value, str):
            raise ValueError("expected a time such as 08:30:00")
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not an ISO-8601 time such as 08:30:00") from None
        if require_offset and parsed.tzinfo is None:
            raise ValueError(f"'{value}' has no offset; expected e.g. 16:19:12+02:00")
        return value
    return check


# java.time.ZonedDateTime / OffsetTime / LocalTime literals (YAML may hand us parsed objects).
ZonedDateTime = Annotated[str, BeforeValidator(_zoned_datetime)]
OffsetTime = Annotated[str, BeforeValidator(_time(require_offset=True))]
LocalTime = Annotated[str, BeforeValidator(_time(require_offset=False))]


# ---------------------------------------------------------------- labels

SYSTEM_LABEL_PREFIX = "system."


class Label(StrictModel):
    """One {key, value} label (Kestra's Label record)."""

    key: NonEmptyStr
    value: ScalarStr


# The list form of Labels; the name the conditions used.
LabelEntry = Label


def _no_system_labels(labels: Any) -> Any:
    keys = labels.keys() if isinstance(labels, dict) else [e.key for e in labels]
    for key in keys:
        if key.startswith(SYSTEM_LABEL_PREFIX):
            raise ValueError(f"label '{key}': keys starting with 'system.' are reserved")
    return labels


# Kestra reads labels as a map of scalars or as a list of {key, value} (ListOrMapOfLabel).
Labels = Annotated[Union[dict[str, Union[str, int, float, bool]], list[Label]],
                   AfterValidator(_no_system_labels)]


# ---------------------------------------------------------------- time windows

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
        camel = to_camel  # the alias generator of model_config
        errors = [f"time window of type {self.type} cannot have {camel(f)}"
                  for f in self._FORBIDDEN[self.type] if getattr(self, f) is not None]
        errors += [f"time window of type {self.type} must have {camel(f)}"
                   for f in self._REQUIRED.get(self.type, ()) if getattr(self, f) is None]
        if errors:
            raise ValueError("; ".join(errors))
        return self
