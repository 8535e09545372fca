"""Trigger and condition types: properties, defaults, aliases and Kestra's validations."""

from __future__ import annotations

import datetime as dt
import glob
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML

import podium.common.plugins  # noqa: F401  (registers every type)
from podium.common.plugins import AnyCondition, AnyTrigger, registry
from podium.common.plugins import conditions as c
from podium.common.plugins import triggers as t

TRIGGER = TypeAdapter(AnyTrigger)
CONDITION = TypeAdapter(AnyCondition)
T = "io.kestra.plugin.core.trigger."
C = "io.kestra.plugin.core.condition."
CORPUS = "/work/shared/conformance/kestra/flows/*"


def trigger(type_: str, **props: Any):
    return TRIGGER.validate_python({"id": "trg", "type": type_, **props})


def condition(type_: str, **props: Any):
    return CONDITION.validate_python({"type": type_, **props})


def trigger_error(type_: str, **props: Any) -> str:
    with pytest.raises(ValidationError) as err:
        trigger(type_, **props)
    return str(err.value)


def condition_error(type_: str, **props: Any) -> str:
    with pytest.raises(ValidationError) as err:
        condition(type_, **props)
    return str(err.value)


# ------------------------------------------------------------------ Schedule

def test_schedule_full_definition() -> None:
    s = trigger(T + "Schedule", cron="0 9 * * MON-FRI", timezone="Europe/Paris",
                inputs={"day": "{{ trigger.date }}"}, lateMaximumDelay="PT1H",
                recoverMissedSchedules="LAST", labels={"team": "data"},
                stopAfter=["FAILED"],
                conditions=[{"type": C + "DayWeekInMonth", "dayOfWeek": "MONDAY",
                             "dayInMonth": "FIRST"}])
    assert isinstance(s, t.Schedule)
    assert (s.timezone, s.late_maximum_delay, s.recover_missed_schedules) == (
        "Europe/Paris", "PT1H", "LAST")
    assert isinstance(s.conditions[0], c.DayWeekInMonth)


def test_schedule_defaults() -> None:
    s = trigger(T + "Schedule", cron="@daily")
    assert (s.with_seconds, s.timezone, s.recover_missed_schedules, s.disabled) == (
        False, None, None, False)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Z", "+02:00", "UTC+01:00", "GMT",
                                  "-5"])
def test_schedule_accepts_java_zone_ids(zone: str) -> None:
    assert trigger(T + "Schedule", cron="* * * * *", timezone=zone).timezone == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "+25:00x", "+19:00", "CEST"])
def test_schedule_rejects_bad_timezone(zone: str) -> None:
    assert "not a valid time-zone ID" in trigger_error(T + "Schedule", cron="* * * * *",
                                                      timezone=zone)


def test_schedule_cron_is_validated_naming_the_field() -> None:
    message = trigger_error(T + "Schedule", cron="0 25 * * *")
    assert "invalid cron expression '0 25 * * *'" in message and "hour field" in message
    assert "withSeconds" in trigger_error(T + "Schedule", cron="* * * * * *")
    assert trigger(T + "Schedule", cron="* * * * * *", withSeconds=True).with_seconds
    assert "Field required" in trigger_error(T + "Schedule")


@pytest.mark.parametrize("props, fragment", [
    ({"recoverMissedSchedules": "SOME"}, "recoverMissedSchedules"),
    ({"lateMaximumDelay": "1h"}, "ISO-8601"),
    ({"interval": "PT1M"}, "Extra inputs"),  # Kestra forces interval to null on Schedule
    ({"withSeconds": "sometimes"}, "withSeconds"),
    ({"scheduleConditions": [{"type": C + "ExecutionStatus", "in": ["SUCCESS"]}]},
     "not a schedule condition"),
])
def test_schedule_rejections(props: dict, fragment: str) -> None:
    assert fragment in trigger_error(T + "Schedule", cron="* * * * *", **props)


def test_schedule_conditions_accept_schedule_conditions_and_backfill_map() -> None:
    s = trigger(T + "Schedule", cron="0 0 1 * *",
                scheduleConditions=[{"type": C + "Weekend"}],
                backfill={"start": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)})
    assert isinstance(s.schedule_conditions[0], c.Weekend)


# ------------------------------------------------------------------ other triggers

def test_schedule_on_dates() -> None:
    s = trigger(T + "ScheduleOnDates", timezone="Europe/Paris",
                dates=["2024-12-24T10:00:00+01:00", "2025-01-01T00:00:00Z[UTC]",
                       dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc)])
    assert isinstance(s, t.ScheduleOnDates) and len(s.dates) == 3
    assert trigger(T + "ScheduleOnDates", dates="{{ vars.dates }}").dates == "{{ vars.dates }}"
    assert trigger(T + "ScheduleOnDates", dates=["{{ now() }}"]).dates == ["{{ now() }}"]
    assert "Field required" in trigger_error(T + "ScheduleOnDates")
    assert "no zone offset" in trigger_error(T + "ScheduleOnDates", dates=["2024-12-24T10:00:00"])
    assert "not an ISO-8601" in trigger_error(T + "ScheduleOnDates", dates=["tomorrow"])


def test_flow_trigger_with_preconditions() -> None:
    f = trigger(T + "Flow", inputs={"x": "{{ outputs.a.value }}"}, states=["SUCCESS", "WARNING"],
                preconditions={
                    "id": "both",
                    "flows": [{"namespace": "company", "flowId": "a", "states": ["SUCCESS"]},
                              {"namespace": "company", "labels": {"env": "prod"}}],
                    "where": [{"id": "ns", "operand": "OR", "filters": [
                        {"field": "NAMESPACE", "type": "STARTS_WITH", "value": "company"},
                        {"field": "STATE", "type": "IN", "values": ["SUCCESS"]}]}],
                    "timeWindow": {"type": "DAILY_TIME_WINDOW", "startTime": "08:00:00",
                                   "endTime": "12:00:00"},
                    "resetOnSuccess": False})
    assert isinstance(f, t.Flow)
    pre = f.preconditions
    assert pre.time_window.type == "DAILY_TIME_WINDOW" and pre.reset_on_success is False
    assert pre.where[0].filters[1].values == ["SUCCESS"]


def test_flow_trigger_defaults_to_terminated_states_and_paused() -> None:
    f = trigger(T + "Flow")
    assert set(f.states) == {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED",
                             "SKIPPED", "PAUSED"}
    assert f.preconditions is None


@pytest.mark.parametrize("props, fragment", [
    ({"states": ["DONE"]}, "states"),
    ({"preconditions": {"flows": []}}, "id"),
    ({"preconditions": {"id": "bad id"}}, "pattern"),
    ({"preconditions": {"id": "p", "flows": [{"flowId": "a"}]}}, "namespace"),
    ({"preconditions": {"id": "p", "where": [{"id": "w", "filters": []}]}}, "filters"),
    ({"preconditions": {"id": "p", "where": [{"id": "w", "filters": [
        {"field": "STATE", "type": "IN", "value": "SUCCESS"}]}]}},
     "`value` must be null for type IN"),
    ({"preconditions": {"id": "p", "where": [{"id": "w", "filters": [
        {"field": "FLOW_ID", "type": "EQUAL_TO"}]}]}}, "`value` cannot be null for type EQUAL_TO"),
    ({"preconditions": {"id": "p", "where": [{"id": "w", "filters": [
        {"field": "LABEL", "type": "EQUAL_TO", "value": "x"}]}]}}, "field"),
    ({"preconditions": {"id": "p", "timeWindow": {"type": "DAILY_TIME_DEADLINE"}}},
     "must have deadline"),
    ({"preconditions": {"id": "p", "timeWindow": {"type": "SLIDING_WINDOW", "window": "PT1H",
                                                  "windowAdvance": "PT1M"}}},
     "cannot have windowAdvance"),
])
def test_flow_trigger_rejections(props: dict, fragment: str) -> None:
    assert fragment in trigger_error(T + "Flow", **props)


def test_webhook() -> None:
    w = trigger(T + "Webhook", key="4wjtkzwVGBM9yKnjm3yv8r",
                conditions=[{"type": C + "Expression", "expression": "{{ trigger.body.ok }}"}])
    assert isinstance(w, t.Webhook)
    assert "Field required" in trigger_error(T + "Webhook")
    assert "at most 256" in trigger_error(T + "Webhook", key="k" * 257)
    assert "MultipleCondition are not supported" in trigger_error(
        T + "Webhook", key="k", conditions=[{"type": C + "MultipleCondition", "id": "m",
                                             "conditions": {"a": {"type": C + "Weekend"}}}])


def test_http_trigger() -> None:
    h = trigger("io.kestra.plugin.core.http.Trigger", uri="https://api.example.com/price",
                responseCondition="{{ json(response.body).price <= 110 }}", interval="PT30S",
                headers={"Accept": "application/json"}, options={"readTimeout": "PT5S"})
    assert isinstance(h, t.HttpTrigger)
    assert (h.method, h.encrypt_body) == ("GET", False)
    d = trigger("io.kestra.plugin.core.http.Trigger", uri="u")
    assert (d.interval, d.response_condition) == ("PT60S", "{{ response.statusCode < 400 }}")
    assert "uri" in trigger_error("io.kestra.plugin.core.http.Trigger")
    assert "interval" in trigger_error("io.kestra.plugin.core.http.Trigger", uri="u",
                                       interval="every minute")


@pytest.mark.parametrize("alias, cls", [
    ("io.kestra.core.models.triggers.types.Schedule", t.Schedule),
    ("io.kestra.core.models.triggers.types.Flow", t.Flow),
    ("io.kestra.core.models.triggers.types.Webhook", t.Webhook),
    ("io.kestra.plugin.fs.http.Trigger", t.HttpTrigger),
])
def test_trigger_aliases(alias: str, cls: type) -> None:
    assert registry.resolve("trigger", alias) is cls


def test_common_trigger_properties_are_checked() -> None:
    assert "Extra inputs" in trigger_error(T + "Webhook", key="k", cron="* * * * *")
    with pytest.raises(ValidationError):
        TRIGGER.validate_python({"id": "bad id", "type": T + "Webhook", "key": "k"})
    with pytest.raises(ValidationError, match="unknown trigger type"):
        TRIGGER.validate_python({"id": "x", "type": T + "Cron"})


def test_every_trigger_of_the_conformance_corpus_validates() -> None:
    many = TypeAdapter(list[AnyTrigger])
    seen = 0
    for path in sorted(glob.glob(CORPUS)):
        flow = YAML(typ="safe").load(open(path))
        if flow.get("triggers"):
            many.validate_python(flow["triggers"])
            seen += 1
    assert seen >= 8


# ------------------------------------------------------------------ conditions

VALID_CONDITIONS = [
    (c.ExecutionFlow, "ExecutionFlow", {"namespace": "n", "flowId": "f"}),
    (c.ExecutionNamespace, "ExecutionNamespace", {"namespace": "n", "comparison": "PREFIX"}),
    (c.ExecutionStatus, "ExecutionStatus", {"in": ["SUCCESS"], "notIn": ["FAILED"]}),
    (c.ExecutionLabels, "ExecutionLabels", {"labels": {"env": "prod", "n": 1}}),
    (c.ExecutionLabels, "ExecutionLabels", {"labels": [{"key": "env", "value": "prod"}]}),
    (c.ExecutionOutputs, "ExecutionOutputs", {"expression": "{{ trigger.outputs.ok }}"}),
    (c.Expression, "Expression", {"expression": "{{ 1 == 1 }}"}),
    (c.HasRetryAttempt, "HasRetryAttempt", {"in": ["FAILED"]}),
    (c.DateTimeBetween, "DateTimeBetween", {"after": "2024-01-01T08:30:00Z",
                                            "before": "2025-01-01T08:30:00+02:00"}),
    (c.TimeBetween, "TimeBetween", {"after": "16:19:12+02:00", "before": "23:00:00Z"}),
    (c.DayWeek, "DayWeek", {"dayOfWeek": "MONDAY"}),
    (c.DayWeekInMonth, "DayWeekInMonth", {"dayOfWeek": "FRIDAY", "dayInMonth": "LAST"}),
    (c.Weekend, "Weekend", {"date": "{{ trigger.date }}"}),
    (c.PublicHoliday, "PublicHoliday", {"country": "FR", "subDivision": "FR-75"}),
    (c.Not, "Not", {"conditions": [{"type": C + "Weekend"}]}),
    (c.Or, "Or", {"conditions": [{"type": C + "DayWeek", "dayOfWeek": "MONDAY"},
                                 {"type": C + "PublicHoliday"}]}),
    (c.MultipleCondition, "MultipleCondition", {
        "id": "multiple", "window": "P1D", "windowAdvance": "P0D",
        "conditions": {"success": {"type": C + "ExecutionStatus", "in": ["SUCCESS"]},
                       "flow-a": {"type": C + "ExecutionFlow", "namespace": "n",
                                  "flowId": "a"}}}),
    (c.FlowCondition, "FlowCondition", {"namespace": "n", "flowId": "f"}),
    (c.FlowNamespaceCondition, "FlowNamespaceCondition", {"namespace": "n", "prefix": True}),
]


@pytest.mark.parametrize("cls, name, props", VALID_CONDITIONS,
                         ids=[f"{v[1]}-{i}" for i, v in enumerate(VALID_CONDITIONS)])
def test_conditions_validate(cls: type, name: str, props: dict) -> None:
    assert type(condition(C + name, **props)) is cls
    assert cls.TYPE == C + name


def test_condition_defaults() -> None:
    assert condition(C + "Weekend").date == "{{ trigger.date }}"
    ns = condition(C + "ExecutionNamespace", namespace="n")
    assert (ns.comparison, ns.prefix) == (None, False)
    m = condition(C + "MultipleCondition", id="m", conditions={"a": {"type": C + "Weekend"}})
    assert (m.time_window.type, m.reset_on_success) == ("DURATION_WINDOW", True)


def test_schedule_condition_flags() -> None:
    schedule = {n.rsplit(".", 1)[-1] for n, cls in registry.classes("condition").items()
                if cls.SCHEDULE_CONDITION}
    assert schedule == {"ExecutionOutputs", "Expression", "DateTimeBetween", "TimeBetween",
                        "DayWeek", "DayWeekInMonth", "Weekend", "PublicHoliday", "Not", "Or"}


@pytest.mark.parametrize("alias, cls", [
    ("io.kestra.core.models.conditions.types.ExecutionFlowCondition", c.ExecutionFlow),
    ("io.kestra.plugin.core.condition.ExecutionFlowCondition", c.ExecutionFlow),
    ("io.kestra.core.models.conditions.types.VariableCondition", c.Expression),
    ("io.kestra.plugin.core.condition.ExpressionCondition", c.Expression),
    ("io.kestra.core.models.conditions.types.DayWeekInMonthCondition", c.DayWeekInMonth),
    ("io.kestra.core.models.conditions.types.NotCondition", c.Not),
    ("io.kestra.plugin.core.condition.OrCondition", c.Or),
    ("io.kestra.core.models.conditions.types.MultipleCondition", c.MultipleCondition),
    ("io.kestra.core.models.conditions.types.FlowCondition", c.FlowCondition),
    ("io.kestra.core.models.conditions.types.FlowNamespaceCondition", c.FlowNamespaceCondition),
])
def test_condition_aliases(alias: str, cls: type) -> None:
    assert registry.resolve("condition", alias) is cls
    props = next(p for k, _, p in VALID_CONDITIONS if k is cls)
    assert type(condition(alias, **props)) is cls


@pytest.mark.parametrize("name, props, fragment", [
    ("ExecutionFlow", {"namespace": "n"}, "flowId"),
    ("ExecutionStatus", {"in": ["DONE"]}, "in"),
    ("ExecutionStatus", {"in": ["SUCCESS"], "states": ["FAILED"]}, "Extra inputs"),
    ("ExecutionNamespace", {"namespace": "n", "comparison": "CONTAINS"}, "comparison"),
    ("ExecutionLabels", {}, "labels"),
    ("ExecutionLabels", {"labels": {"system.correlationId": "x"}}, "reserved"),
    ("ExecutionLabels", {"labels": {"a": {"b": 1}}}, "labels"),
    ("Expression", {"expression": ""}, "expression"),
    ("DayWeek", {"dayOfWeek": "MON"}, "dayOfWeek"),
    ("DayWeek", {}, "dayOfWeek"),
    ("DayWeekInMonth", {"dayOfWeek": "MONDAY", "dayInMonth": "FIFTH"}, "dayInMonth"),
    ("TimeBetween", {"after": "16:19:12"}, "no offset"),
    ("DateTimeBetween", {"after": "yesterday"}, "not an ISO-8601"),
    ("Not", {"conditions": []}, "conditions"),
    ("Or", {"conditions": [{"type": C + "Nope"}]}, "unknown condition type"),
    ("MultipleCondition", {"id": "m", "conditions": {}}, "conditions"),
    ("MultipleCondition", {"conditions": {"a": {"type": C + "Weekend"}}}, "id"),
    ("MultipleCondition", {"id": "m", "window": "one day",
                           "conditions": {"a": {"type": C + "Weekend"}}}, "window"),
])
def test_condition_rejections(name: str, props: dict, fragment: str) -> None:
    assert fragment in condition_error(C + name, **props)
