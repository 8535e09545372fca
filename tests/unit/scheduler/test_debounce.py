"""Debounce bursts (common/debounce.py): quiet period, maxWait, maxBatch, keys; the model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from podium.common.debounce import (
    Window,
    burst_execution_id,
    folded_variables,
    key_hash,
    render_key,
)
from podium.common.flow.loader import parse_flow
from podium.common.plugins.triggers import Debounce

T0 = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
S = timedelta(seconds=1)


def fold(window: Window, times: list[datetime]) -> list[list[datetime]]:
    """The bursts a stream of event times makes (what the store does, row by row)."""
    bursts: list[list[datetime]] = []
    for moment in times:
        if bursts:
            current = bursts[-1]
            due = window.flush_at(current[0], current[-1], len(current))
            if window.is_open(len(current), due, moment):
                current.append(moment)
                continue
        bursts.append([moment])
    return bursts


def test_quiet_fires_after_a_pause_and_a_steady_stream_stays_one_burst():
    window = Window(quiet=5 * S)
    assert window.flush_at(T0, T0 + 3 * S, 2) == T0 + 8 * S
    times = [T0 + i * 4 * S for i in range(10)] + [T0 + 100 * S]
    assert [len(b) for b in fold(window, times)] == [10, 1]


def test_max_wait_bounds_a_burst_that_never_pauses():
    window = Window(quiet=5 * S, max_wait=10 * S)
    assert window.flush_at(T0, T0 + 8 * S, 3) == T0 + 10 * S
    times = [T0 + i * S for i in range(25)]
    assert [len(b) for b in fold(window, times)] == [10, 10, 5]
    assert Window(max_wait=10 * S).flush_at(T0, T0 + 9 * S, 5) == T0 + 10 * S


def test_max_batch_fires_at_the_last_event_and_the_next_one_opens_a_burst():
    window = Window(quiet=60 * S, max_batch=3)
    assert window.flush_at(T0, T0 + S, 3) == T0 + S
    assert not window.is_open(3, T0 + 60 * S, T0 + 2 * S)
    assert [len(b) for b in fold(window, [T0 + i * S for i in range(7)])] == [3, 3, 1]


def test_an_event_at_or_after_the_flush_time_opens_the_next_burst():
    window = Window(quiet=5 * S)
    assert window.is_open(1, T0 + 5 * S, T0 + 4 * S)
    assert not window.is_open(1, T0 + 5 * S, T0 + 5 * S)


def test_keys_group_events_and_default_to_the_flow():
    flow = {"id": "f", "namespace": "n"}
    by_user = Debounce.model_validate({"key": "{{ trigger.body.user }}", "quiet": "PT5S"})
    assert render_key(by_user, {"body": {"user": "ann"}}, flow) == "ann"
    assert render_key(Debounce(quiet="PT5S"), {"body": {}}, flow) == "n.f"
    assert key_hash("ann") != key_hash("bob") and len(key_hash("ann")) == 64


def test_a_burst_id_is_fixed_by_trigger_key_number_and_first_instant():
    key = ("n", "f", "w")
    first = burst_execution_id(key, key_hash("a"), 1, T0)
    assert first == burst_execution_id(key, key_hash("a"), 1, T0) and len(first) == 22
    assert first != burst_execution_id(key, key_hash("b"), 1, T0)
    assert first != burst_execution_id(key, key_hash("a"), 2, T0)
    assert first != burst_execution_id(key, key_hash("a"), 1, T0 + timedelta(microseconds=1))
    assert folded_variables([1, 2], "k") == {"events": [1, 2], "size": 2, "key": "k"}


@pytest.mark.parametrize("block", [
    {}, {"maxBatch": 5}, {"quiet": "PT0S"}, {"maxWait": "-PT1S"}, {"quiet": "soon"},
    {"quiet": "PT1S", "maxBatch": 0}, {"quiet": "PT1S", "unknown": 1},
])
def test_invalid_debounce_blocks_are_refused(block):
    with pytest.raises(ValidationError):
        Debounce.model_validate(block)


def test_flow_webhook_and_http_triggers_take_a_debounce_block():
    source = """id: f
namespace: n
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: abc
    debounce: {quiet: PT2S, maxWait: PT10S, maxBatch: 50, key: "{{ trigger.body.id }}"}
  - id: upstream
    type: io.kestra.plugin.core.trigger.Flow
    debounce: {maxWait: PT1M, input: events}
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: https://example.com
    debounce: {quiet: PT1M}
"""
    hook, upstream, http = parse_flow(source).flow.triggers
    assert Window.of(hook.debounce) == Window(2 * S, 10 * S, 50)
    assert upstream.debounce.input == "events" and http.debounce.quiet == "PT1M"
    with pytest.raises(Exception, match="interval"):
        parse_flow(source.replace("debounce: {quiet: PT1M}", "interval: PT0S"))
