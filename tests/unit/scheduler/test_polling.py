"""Polling triggers' slots and claims (scheduler/polling.py), with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from podium.common.models.state import State
from podium.common.store import FlowRevision
from podium.common.store.triggers import TriggerState
from podium.scheduler.polling import claim, initial_poll_state, poll_execution_id, slot_of
from podium.scheduler.specs import flow_specs

UTC = timezone.utc
T0 = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
FLOW = """id: f
namespace: n
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: http://127.0.0.1:1/x
    interval: PT30S
    stopAfter: [SUCCESS]
"""


def poll_spec(source: str = FLOW):
    revision = FlowRevision("n", "f", 1, source, False)
    return flow_specs([revision], default_recover="ALL", default_zone="UTC")[("n", "f")].polls[0]


def test_slots_are_aligned_on_the_epoch_the_same_for_every_replica():
    interval = timedelta(seconds=30)
    assert slot_of(T0 + timedelta(seconds=29, microseconds=999_999), interval) == T0
    assert slot_of(T0 + timedelta(seconds=30), interval) == T0 + interval
    assert slot_of(T0 + timedelta(milliseconds=1500), timedelta(milliseconds=500)) == \
        T0 + timedelta(milliseconds=1500)
    with pytest.raises(ValueError):
        slot_of(T0, timedelta(0))


def test_the_flow_gives_a_poll_spec_and_a_new_trigger_polls_one_slot_later():
    spec = poll_spec()
    assert spec.key == ("n", "f", "http") and spec.interval == timedelta(seconds=30)
    assert initial_poll_state(spec, T0 + timedelta(seconds=5)).next_date == \
        T0 + timedelta(seconds=30)
    other = poll_spec(FLOW.replace("PT30S", "PT1M"))
    assert other.fingerprint != spec.fingerprint


def test_a_due_row_claims_the_current_slot_once():
    spec = poll_spec()
    state = TriggerState("n", "f", "http", spec.fingerprint, next_date=T0)
    assert claim(spec, state, T0 - timedelta(seconds=1), None).slot is None
    late = T0 + timedelta(seconds=95)  # three slots later: polls once, in the current slot
    step = claim(spec, state, late, None)
    assert step.slot == T0 + timedelta(seconds=90)
    assert step.state.next_date == T0 + timedelta(seconds=120)
    assert claim(spec, step.state, late, None).slot is None  # the same slot is not polled again


def test_a_running_execution_holds_the_trigger_and_stop_after_disables_it():
    spec = poll_spec()
    state = TriggerState("n", "f", "http", spec.fingerprint, next_date=T0, execution_id="e")
    assert claim(spec, state, T0, State.RUNNING).busy
    assert claim(spec, state, T0, State.FAILED).slot == T0
    stopped = claim(spec, state, T0, State.SUCCESS)
    assert stopped.state.disabled and stopped.slot is None and "SUCCESS" in stopped.stopped
    assert claim(spec, stopped.state, T0, None).slot is None


def test_the_execution_id_depends_on_the_trigger_and_the_slot():
    key = ("n", "f", "http")
    assert poll_execution_id(key, T0) == poll_execution_id(key, T0)
    assert poll_execution_id(key, T0) != poll_execution_id(key, T0 + timedelta(seconds=30))
    assert poll_execution_id(key, T0) != poll_execution_id(("n", "f", "other"), T0)
    assert len(poll_execution_id(key, T0)) == 22
