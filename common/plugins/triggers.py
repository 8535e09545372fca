"""Core trigger types: io.kestra.plugin.core.trigger.* and io.kestra.plugin.core.http.Trigger.

Legacy names (``io.kestra.core.models.triggers.types.*``, ``io.kestra.plugin.fs.http.Trigger``)
come from ``@Plugin(aliases=...)`` in Kestra's source.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any, ClassVar, Literal, Union

from pydantic import AfterValidator, Field, model_validator
from typing_extensions import Annotated

from podium.common.durations import parse_duration
from podium.common.plugins.base import AnyCondition, Trigger
from podium.common.plugins.conditions import MultipleCondition
from podium.common.plugins.cron import CronError, never_fires_reason, parse_cron
from podium.common.plugins.fields import (
    TASK_ID_PATTERN,
    TERMINATED_STATES,
    Duration,
    Dyn,
    Expr,
    LocalTime,
    StateType,
    StrictModel,
    TimeWindow,
    ZonedDateTime,
)
from podium.common.plugins.tasks.http import HttpRequestFields

_OLD = "io.kestra.core.models.triggers.types."
_NEW = "io.kestra.plugin.core.trigger."

RecoverMissedSchedules = Literal["ALL", "LAST", "NONE"]

# java.time.ZoneId.of also takes fixed offsets: Z, +2, +02, +02:00, +0200, +02:00:00,
# optionally prefixed by UTC, GMT or UT.
_OFFSET = re.compile(r"^(?:Z|UTC|GMT|UT)$"
                     r"|^(?:UTC|GMT|UT)?[+-](?:\d{1,2}|\d{2}:?\d{2}|\d{2}:\d{2}:\d{2})$")


def is_zone_id(value: str) -> bool:
    """True when Java's ZoneId.of would accept the value."""
    if _OFFSET.match(value):
        digits = re.sub(r"\D", "", value)
        digits = (digits.zfill(2) if len(digits) == 1 else digits).ljust(6, "0")
        return int(digits) <= 180000  # hhmmss; Java offsets stop at +/-18:00
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _zone_id(value: str) -> str:
    if not is_zone_id(value):
        raise ValueError(f"timezone '{value}' is not a valid time-zone ID")
    return value


ZoneId = Annotated[str, AfterValidator(_zone_id)]


def _positive_duration(value: str) -> str:
    if parse_duration(value).total_seconds() <= 0:
        raise ValueError(f"'{value}' must be a positive duration")
    return value


PositiveDuration = Annotated[Duration, AfterValidator(_positive_duration)]


class Debounce(StrictModel):
    """Podium (not Kestra): fold a burst of events into one execution (common/debounce.py).

    A burst fires `quiet` after its last event, `maxWait` after its first one, or once it
    holds `maxBatch` events, whichever comes first. The execution gets the events as the
    list `trigger.events` (each item: the trigger variables one event would have given),
    and also as the input named `input` when set (declare it as a JSON or ARRAY input)."""

    key: str | None = None  # expression over the event; None: one burst at a time per trigger
    quiet: PositiveDuration | None = None
    max_wait: PositiveDuration | None = None
    max_batch: Annotated[int, Field(ge=1)] | None = None
    input: str | None = None

    @model_validator(mode="after")
    def _bounded(self) -> "Debounce":
        if self.quiet is None and self.max_wait is None:
            # maxBatch alone could hold the events of a burst that never fills forever.
            raise ValueError("debounce needs quiet or maxWait (maxBatch alone never fires "
                             "a burst that does not fill)")
        return self


class Schedule(Trigger):
    """Starts an execution at each date matching a cron expression."""

    TYPE: ClassVar[str] = _NEW + "Schedule"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Schedule",)

    cron: str
    with_seconds: bool = False
    timezone: ZoneId | None = None  # None: the server's zone
    inputs: dict[str, Any] | None = None
    late_maximum_delay: Duration | None = None
    schedule_conditions: list[AnyCondition] | None = None  # deprecated for `conditions`
    backfill: dict[str, Any] | None = None  # deprecated; backfills are set through the API
    recover_missed_schedules: RecoverMissedSchedules | None = None  # None: server setting
    # Kestra 2.0's replacement of `conditions`: a date whose `when` is falsy is skipped.
    when: str | None = None
    # Kestra: a Schedule waits while the last execution it started runs; true lifts that.
    allow_concurrent: bool = False

    @model_validator(mode="after")
    def _check(self) -> "Schedule":
        try:
            never = never_fires_reason(parse_cron(self.cron, self.with_seconds))
        except CronError as e:
            raise ValueError(f"invalid cron expression '{self.cron}': {e}") from None
        if never:
            raise ValueError(f"cron expression '{self.cron}': {never}")
        # Kestra types scheduleConditions as List<ScheduleCondition>, so others don't parse.
        for condition in self.schedule_conditions or ():
            if not condition.SCHEDULE_CONDITION:
                raise ValueError(f"scheduleConditions: {condition.TYPE} is not a schedule "
                                 "condition (a date-based condition such as DayWeek)")
        return self


class ScheduleOnDates(Trigger):
    """Starts an execution at each of a list of dates."""

    TYPE: ClassVar[str] = _NEW + "ScheduleOnDates"

    # Kestra renders the whole list (Property<List<ZonedDateTime>>), so items may be expressions.
    dates: Dyn[list[Union[Expr, ZonedDateTime]]]
    timezone: ZoneId | None = None
    inputs: dict[str, Any] | None = None
    recover_missed_schedules: RecoverMissedSchedules | None = None


class UpstreamFlow(StrictModel):
    """A flow whose executions satisfy a precondition."""

    namespace: str
    flow_id: str | None = None
    states: list[StateType] | None = None
    labels: dict[str, Any] | None = None


FilterField = Literal["FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"]
FilterType = Literal["EQUAL_TO", "NOT_EQUAL_TO", "IN", "NOT_IN", "IS_TRUE", "IS_FALSE", "IS_NULL",
                     "IS_NOT_NULL", "STARTS_WITH", "ENDS_WITH", "REGEX", "CONTAINS"]
_NEEDS_VALUES = ("IN", "NOT_IN")


class Filter(StrictModel):
    """One test on an upstream execution; IN / NOT_IN take `values`, the others `value`."""

    field: FilterField
    type: FilterType
    value: str | None = None
    values: list[str] | None = None

    @model_validator(mode="after")
    def _value_or_values(self) -> "Filter":
        # PreconditionFilterValidator: every other type, even IS_NULL, requires `value`.
        needs_values = self.type in _NEEDS_VALUES
        if needs_values == (self.value is not None):
            raise ValueError(f"`value` {'must' if needs_values else 'cannot'} be null "
                             f"for type {self.type}")
        if needs_values == (self.values is None):
            raise ValueError(f"`values` {'cannot' if needs_values else 'must'} be null "
                             f"for type {self.type}")
        return self


class ExecutionFilter(StrictModel):
    """A named group of filters combined with AND or OR."""

    id: Annotated[str, Field(min_length=1)]
    operand: Literal["AND", "OR"] = "AND"
    filters: Annotated[list[Filter], Field(min_length=1)]


class Preconditions(StrictModel):
    """Upstream executions that must all happen within a time window."""

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN)]
    time_window: TimeWindow = Field(default_factory=TimeWindow)
    reset_on_success: bool = True
    flows: list[UpstreamFlow] | None = None
    where: list[ExecutionFilter] | None = None


class Dependency(StrictModel):
    """One entry of a Kestra 2.0 Flow trigger's `dependsOn`: the upstream executions that
    satisfy it. `flowId` and `namespace` match exactly (absent: any); `states` defaults to
    the terminal states and PAUSED; `labels` must all be on the execution; `when` is an
    expression over the upstream execution."""

    flow_id: str | None = None
    namespace: str | None = None
    states: Annotated[list[StateType], Field(min_length=1)] | None = None
    labels: dict[str, Any] | None = None
    when: str | None = None


class FlowWindow(StrictModel):
    """A Kestra 2.0 Flow trigger's `window`: where its `dependsOn` results accumulate. One
    group of properties: `deadline` (each day until then), `from` + `to` (each day between),
    `every` + optional `offset` (fixed intervals from midnight) or `lookback` (a rolling
    duration); none: `every: P1D`. `timezone` anchors the daily boundaries (UTC when
    absent); `fireOnce` fires at most once per window."""

    deadline: LocalTime | None = None
    from_: LocalTime | None = Field(None, alias="from")
    to: LocalTime | None = None
    every: PositiveDuration | None = None
    offset: Duration | None = None
    lookback: PositiveDuration | None = None
    timezone: ZoneId | None = None
    fire_once: bool = False

    @model_validator(mode="after")
    def _one_group(self) -> "FlowWindow":
        groups = [name for name, present in (
            ("deadline", self.deadline is not None),
            ("from/to", self.from_ is not None or self.to is not None),
            ("every/offset", self.every is not None or self.offset is not None),
            ("lookback", self.lookback is not None)) if present]
        if len(groups) > 1:
            raise ValueError(f"window: set one of deadline, from/to, every/offset or "
                             f"lookback, not {' and '.join(groups)}")
        if (self.from_ is None) != (self.to is None):
            raise ValueError("window: `from` and `to` go together")
        if self.offset is not None and self.every is None:
            raise ValueError("window: `offset` needs `every`")
        return self


class OnMiss(StrictModel):
    """What a passed `window.deadline` with `dependsOn` unsatisfied gives: a FAILED
    execution of the listening flow carrying `labels` (scheduler/deadlines.py)."""

    behavior: Literal["FAIL"]
    labels: dict[str, Any] | None = None


FlowMode = Literal["ALL", "ANY", "AT_LEAST"]


class Flow(Trigger):
    """Starts an execution when an execution of another flow changes state.

    Two dialects: Kestra 1.x's `states` + `conditions` + `preconditions`, and Kestra 2.0's
    `dependsOn` + `window` + `mode` + `when` (executor/flow_triggers/conditions.py)."""

    TYPE: ClassVar[str] = _NEW + "Flow"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Flow",)

    inputs: dict[str, Any] | None = None  # rendered against the upstream execution
    # Kestra 0.23+: terminated states and PAUSED (to alert on executions awaiting a resume).
    states: list[StateType] | None = Field(
        default_factory=lambda: [*TERMINATED_STATES, "PAUSED"])
    preconditions: Preconditions | None = None
    depends_on: Annotated[list[Dependency], Field(min_length=1)] | None = None
    window: FlowWindow | None = None
    mode: FlowMode = "ALL"
    min_satisfied: Annotated[int, Field(ge=1)] | None = None
    when: str | None = None  # over the upstream execution, before `dependsOn`
    on_miss: OnMiss | None = None  # watched by the scheduler, not the executor
    debounce: Debounce | None = None  # Podium: fold bursts (common/debounce.py)

    @model_validator(mode="after")
    def _one_dialect(self) -> "Flow":
        if self.depends_on is None:
            given = [name for name, present in (
                ("window", self.window is not None), ("mode", "mode" in self.model_fields_set),
                ("minSatisfied", self.min_satisfied is not None),
                ("onMiss", self.on_miss is not None)) if present]
            if given:
                raise ValueError(f"{', '.join(given)} applies to `dependsOn` entries: "
                                 "add `dependsOn`")
            return self
        if self.preconditions is not None:
            raise ValueError("use `dependsOn` (Kestra 2.0) or `preconditions`, not both")
        if (self.mode == "AT_LEAST") != (self.min_satisfied is not None):
            raise ValueError("`minSatisfied` goes with `mode: AT_LEAST`, and it needs it")
        if self.min_satisfied is not None and self.min_satisfied > len(self.depends_on):
            raise ValueError(f"minSatisfied {self.min_satisfied} is more than the "
                             f"{len(self.depends_on)} dependsOn entries")
        if self.on_miss is not None and (self.window is None or self.window.deadline is None):
            raise ValueError("`onMiss` needs a `window.deadline`")
        return self


class Webhook(Trigger):
    """Starts an execution when its URL (ending with `key`) is called."""

    TYPE: ClassVar[str] = _NEW + "Webhook"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Webhook",)

    key: Annotated[str, Field(max_length=256)]
    # Kestra: the HTTP call waits for the execution's end and answers with it, or with its
    # outputs (`returnOutputs`, needs `wait`); `responseContentType` and `responseCode` (an
    # expression rendered against the execution) shape every answer (api/webhook_response.py).
    wait: bool = False
    return_outputs: bool = False
    response_content_type: str | None = None
    response_code: Dyn[Annotated[int, Field(ge=100, le=599)]] | None = None
    debounce: Debounce | None = None  # Podium: fold bursts (common/debounce.py)
    # Kestra 2.0's replacement of `conditions`: rendered with the call as `trigger`.
    when: str | None = None

    @model_validator(mode="after")
    def _no_multiple_condition(self) -> "Webhook":
        if any(isinstance(c, MultipleCondition) for c in self.conditions or ()):
            raise ValueError("invalid webhook: conditions of type MultipleCondition "
                             "are not supported")
        if self.wait and self.debounce is not None:
            # a debounced call has no execution of its own to wait for
            raise ValueError("invalid webhook: `wait` cannot be combined with `debounce`")
        return self


class HttpTrigger(Trigger, HttpRequestFields):
    """Polls a URL every `interval` and starts an execution when `responseCondition` holds."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.http.Trigger"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.fs.http.Trigger",)

    interval: PositiveDuration = "PT60S"
    response_condition: str = "{{ response.statusCode < 400 }}"
    encrypt_body: bool = False
    debounce: Debounce | None = None  # Podium: fold bursts (common/debounce.py)
