"""Kestra 2.0's Flow trigger dialect as pure logic: the model's rules, `dependsOn` entries
and `mode`, the trigger-level `when`, and the windows (common/flow_windows.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from podium.common.flow_windows import WindowSpec, bounds, of_time_window, of_window
from podium.common.models.execution import Execution
from podium.common.models.state import StateHistory
from podium.common.plugins.base import AnyTrigger
from podium.common.store.types import utcnow
from podium.executor.flow_triggers.conditions import fires, listens, parts_met, window_conditions

TRIGGERS = TypeAdapter(AnyTrigger)
LISTENER = ("company.team", "listener")


def trigger(**props):
    return TRIGGERS.validate_python({"id": "t", "type": "io.kestra.plugin.core.trigger.Flow",
                                     **props})


def source(flow_id="a", namespace="company.sources", labels=None, outputs=None):
    return Execution(namespace=namespace, flow_id=flow_id, flow_revision=1,
                     history=StateHistory.new(utcnow()), labels=labels or [], outputs=outputs)


def fake_render(text: str, extra: dict | None = None) -> str:
    """Enough of a renderer for these tests: `{{ <python expression> }}` over the extras."""
    return str(eval(text.strip()[2:-2], {}, dict(extra or {}))).lower()  # noqa: S307


DEPS = [{"flowId": "a", "namespace": "company.sources", "states": ["SUCCESS"]},
        {"flowId": "b", "namespace": "company.sources"}]


# ---------------------------------------------------------------- the model

@pytest.mark.parametrize("props, message", [
    ({"dependsOn": DEPS, "preconditions": {"id": "p", "flows": [{"namespace": "x"}]}},
     "not both"),
    ({"window": {"every": "P1D"}}, "add `dependsOn`"),
    ({"mode": "ANY"}, "add `dependsOn`"),
    ({"dependsOn": DEPS, "mode": "AT_LEAST"}, "minSatisfied"),
    ({"dependsOn": DEPS, "minSatisfied": 1}, "minSatisfied"),
    ({"dependsOn": DEPS, "mode": "AT_LEAST", "minSatisfied": 3}, "more than the 2"),
    ({"dependsOn": DEPS, "window": {"deadline": "09:00:00", "lookback": "PT1H"}},
     "not deadline and lookback"),
    ({"dependsOn": DEPS, "window": {"from": "06:00:00"}}, "go together"),
    ({"dependsOn": DEPS, "window": {"offset": "PT1H"}}, "needs `every`"),
    ({"dependsOn": DEPS, "onMiss": {"behavior": "FAIL"}}, "needs a `window.deadline`"),
    ({"dependsOn": DEPS, "window": {"deadline": "09:00:00"}, "onMiss": {"behavior": "WAIT"}},
     "onMiss.behavior"),
    ({"dependsOn": []}, "at least 1"),
])
def test_the_model_refuses_what_kestra_2_refuses(props, message):
    with pytest.raises(ValidationError, match=message):
        trigger(**props)


def test_the_model_takes_the_documented_properties():
    t = trigger(dependsOn=DEPS, mode="AT_LEAST", minSatisfied=2, when="{{ true }}",
                window={"deadline": "09:00:00+01:00", "fireOnce": True, "timezone": "Europe/Paris"},
                onMiss={"behavior": "FAIL", "labels": {"sla": "miss"}})
    assert t.depends_on[0].flow_id == "a" and t.window.fire_once and t.min_satisfied == 2


# ---------------------------------------------------------------- dependsOn and mode

def test_entries_match_flow_namespace_states_labels_and_when():
    t = trigger(dependsOn=[
        {"flowId": "a", "namespace": "company.sources", "states": ["SUCCESS"]},
        {"namespace": "company.sources", "labels": {"env": "prod"}},
        {"when": "{{ namespace.startswith('company') and state != 'SUCCESS' }}"}])
    [cond] = window_conditions(t)
    prod = [{"key": "env", "value": "prod"}]
    keys = sorted(cond.conditions)
    assert parts_met(cond, source(), "SUCCESS", fake_render) == {keys[0]}
    assert parts_met(cond, source(labels=prod), "SUCCESS", fake_render) == {keys[0], keys[1]}
    assert parts_met(cond, source(flow_id="z", labels=prod), "FAILED", fake_render) == \
        {keys[1], keys[2]}
    # no `states`: the terminal states and PAUSED, never RUNNING
    assert parts_met(cond, source(flow_id="z"), "PAUSED", fake_render) == {keys[2]}
    assert parts_met(cond, source(flow_id="z"), "RUNNING", fake_render) == set()
    # an exact namespace: company.sources.sub is not company.sources
    assert parts_met(cond, source(namespace="company.sources.sub", flow_id="a"), "SUCCESS",
                     fake_render) == set()


@pytest.mark.parametrize("mode, extra, earlier, fires_now", [
    ("ALL", {}, set(), False),
    ("ALL", {}, {"1:company.sources/b"}, True),
    ("ANY", {}, set(), True),
    ("AT_LEAST", {"minSatisfied": 2}, set(), False),
    ("AT_LEAST", {"minSatisfied": 2}, {"1:company.sources/b"}, True),
])
def test_mode_says_how_many_entries_must_be_met(mode, extra, earlier, fires_now):
    t = trigger(dependsOn=DEPS, mode=mode, **extra)
    assert fires(t, LISTENER, source("a"), "SUCCESS", fake_render,
                 windows=lambda cond: set(earlier)) is fires_now


def test_a_closed_window_never_fires():
    t = trigger(dependsOn=DEPS[:1])
    assert not fires(t, LISTENER, source("a"), "SUCCESS", fake_render, windows=lambda c: None)


def test_trigger_when_is_checked_before_the_entries_and_paused_is_listened_to():
    t = trigger(dependsOn=[{"flowId": "a"}], when="{{ flowId == 'a' and state == 'PAUSED' }}")
    assert listens(t, LISTENER, source("a"), "PAUSED", fake_render)
    assert not listens(t, LISTENER, source("a"), "SUCCESS", fake_render)
    # written trigger-level `states` still apply
    t = trigger(dependsOn=[{"flowId": "a"}], states=["FAILED"])
    assert not listens(t, LISTENER, source("a"), "PAUSED", fake_render)


# ---------------------------------------------------------------- windows

UTC = timezone.utc
NOON = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)


def window(**props):
    return of_window(trigger(dependsOn=DEPS, window=props).window)


def test_every_is_aligned_on_midnight_plus_the_offset():
    assert bounds(window(every="PT1H", offset="PT30M"), NOON) == (
        NOON.replace(minute=30), NOON.replace(hour=13, minute=30))
    assert bounds(window(every="PT1H", offset="PT30M"), NOON.replace(minute=10)) == (
        NOON.replace(hour=11, minute=30), NOON.replace(minute=30))
    assert bounds(of_window(None), NOON) == (NOON.replace(hour=0, minute=0),
                                             NOON.replace(day=11, hour=0, minute=0))


def test_every_day_follows_the_timezone():
    start, end = bounds(window(every="P1D", timezone="Europe/Paris"), NOON)
    assert (start, end) == (datetime(2026, 3, 9, 23, 0, tzinfo=UTC),
                            datetime(2026, 3, 10, 23, 0, tzinfo=UTC))


def test_lookback_is_relative_to_now():
    assert bounds(window(lookback="PT1H"), NOON) == (NOON - timedelta(hours=1), NOON)


def test_deadline_and_daily_range_are_open_only_during_their_hours():
    deadline = window(deadline="13:00:00")
    assert bounds(deadline, NOON) == (NOON.replace(hour=0, minute=0), NOON.replace(hour=13, minute=0))
    assert bounds(deadline, NOON.replace(hour=14)) is None
    # the deadline's own offset wins: 13:00+02:00 is 11:00 UTC, already past
    assert bounds(window(deadline="13:00:00+02:00"), NOON) is None
    daily = window(**{"from": "06:00:00", "to": "12:00:00"})
    assert bounds(daily, NOON) is None
    assert bounds(daily, NOON.replace(hour=7)) == (NOON.replace(hour=6, minute=0),
                                                   NOON.replace(hour=12, minute=0))


def test_kestra_1_time_windows_map_to_the_same_specs():
    pre = trigger(preconditions={"id": "p", "flows": [{"namespace": "x"}],
                                 "timeWindow": {"type": "DAILY_TIME_DEADLINE",
                                                "deadline": "09:00:00+01:00"}}).preconditions
    assert of_time_window(pre.time_window).kind == "deadline"
    assert of_time_window(None) == WindowSpec("duration")
    sliding = trigger(preconditions={"id": "p", "flows": [{"namespace": "x"}],
                                     "timeWindow": {"type": "SLIDING_WINDOW", "window": "PT2H"}})
    assert bounds(of_time_window(sliding.preconditions.time_window), NOON)[0] == \
        NOON - timedelta(hours=2)


def test_last_deadline_is_todays_once_passed_else_yesterdays():
    from podium.common.flow_windows import last_deadline
    spec = window(deadline="13:00:00+02:00")  # 11:00 UTC
    assert last_deadline(spec, NOON) == NOON.replace(hour=11, minute=0)
    assert last_deadline(spec, NOON.replace(hour=10)) == \
        NOON.replace(day=9, hour=11, minute=0)
    assert last_deadline(window(lookback="PT1H"), NOON) is None
