"""BatchWebhook's pure rules (common/batch_webhook.py) and its validation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.batch_webhook import accepts, batch_file, batch_window, buffered_event
from podium.common.debounce import NEVER
from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.templating.library.ion import ion_rows

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
FLOW = """id: b
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.count }}"
triggers:
  - id: webhook
    type: io.kestra.plugin.core.trigger.BatchWebhook
    key: k
"""


def trigger(extra: str):
    return parse_flow(FLOW + "".join(f"    {line}\n" for line in extra.splitlines())
                      ).flow.triggers[0]


def test_a_count_only_batch_waits_until_full():
    window = batch_window(trigger("eventsCount: 3"))
    assert window.flush_at(T0, T0 + timedelta(hours=5), 2) == NEVER
    assert window.flush_at(T0, T0 + timedelta(seconds=4), 3) == T0 + timedelta(seconds=4)
    assert not window.is_open(3, T0, T0)  # a fourth call opens the next batch


def test_an_interval_releases_what_is_buffered_after_the_first_call():
    window = batch_window(trigger("pollingInterval: PT15M\neventsCount: 100"))
    assert window.flush_at(T0, T0 + timedelta(minutes=3), 5) == T0 + timedelta(minutes=15)
    assert window.flush_at(T0, T0 + timedelta(minutes=3), 100) == T0 + timedelta(minutes=3)


@pytest.mark.parametrize("extra,message", [
    ("", "needs eventsCount or pollingInterval"),
    ("eventsCount: 0", "eventsCount: must be at least 1"),
    ("pollingInterval: PT0S", "must be a positive duration"),
    ("eventsCount: 2\nconditions:\n  - type: io.kestra.plugin.core.condition.Expression\n"
     "    expression: \"{{ true }}\"", "filter the calls with `eventFilter`"),
])
def test_invalid_batch_webhooks_are_refused(extra, message):
    with pytest.raises(FlowValidationError, match=message):
        trigger(extra)


def test_the_event_filter_sees_the_call_and_a_broken_one_drops_it():
    t = trigger("eventsCount: 2\neventFilter: \"{{ trigger.body.hello == 'world' }}\"")
    flow = {"id": "b", "namespace": "company.team"}
    assert accepts(t, {"body": {"hello": "world"}}, flow)
    assert not accepts(t, {"body": {"hello": "there"}}, flow)
    broken = trigger("eventsCount: 2\neventFilter: \"{{ trigger.nope.x }}\"")
    assert not accepts(broken, {"body": {}}, flow)


def test_a_batch_file_holds_one_ion_row_per_call():
    calls = [{"body": {"n": i, "nested": {"k": i}}, "headers": {"x": ["1"]}, "parameters": {}}
             for i in (1, 2)]
    events = [buffered_event(call, T0) for call in calls]
    rows = ion_rows(batch_file(events).decode())
    assert [row["body"]["nested"]["k"] for row in rows] == [1, 2]
    assert rows[0]["eventReceived"] == "2026-01-01T00:00:00Z" and len(rows[0]["eventId"]) == 22
