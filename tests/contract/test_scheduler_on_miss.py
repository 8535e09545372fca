"""Kestra 2.0's Flow trigger `onMiss` (scheduler/deadlines.py) on SQLite and PostgreSQL: a
deadline that passes with the trigger unfired gives one FAILED execution, once, with two
scheduler replicas; a trigger that fired before its deadline gives none."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from podium.common.flow.loader import parse_flow
from podium.common.models.execution import Execution
from podium.common.models.state import State, StateHistory
from podium.common.settings import SchedulerSettings
from podium.common.store import insert_execution, save_flow
from podium.common.store.executions import list_executions
from podium.common.store.types import utcnow
from podium.common.transport.memory import InProcessTransport
from podium.scheduler.deadlines import MISSED, MissSpec, due_deadline, fired_in, miss_specs
from podium.scheduler.service import SchedulerService

LISTENER = """id: silver_layer
namespace: company.team
tasks:
  - id: transform_data
    type: io.kestra.plugin.core.log.Log
    message: go
triggers:
  - id: flow_trigger
    type: io.kestra.plugin.core.trigger.Flow
    dependsOn:
      - flowId: bronze_layer
        namespace: company.team
        states: [SUCCESS]
    window:
      deadline: "09:00:00+01:00"
    onMiss:
      behavior: FAIL
      labels:
        sla: miss
        reason: upstreamNotFinishedOnTime
"""
# Two days ahead, so the deadline the test checks comes after the flow is saved (now).
DAY = utcnow().date() + timedelta(days=2)
DEADLINE = datetime.combine(DAY, time(8, 0), tzinfo=timezone.utc)  # 09:00+01:00


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def schedulers(db, clock) -> list[SchedulerService]:
    return [SchedulerService(db, InProcessTransport(), SchedulerSettings(timezone="UTC"),
                             clock=clock) for _ in range(2)]


def listener_runs(db) -> list[Execution]:
    with db.read() as conn:
        return list_executions(conn, "company.team", "silver_layer", limit=50)


def test_a_passed_deadline_gives_one_failed_execution_with_the_labels(db):
    with db.begin() as conn:
        save_flow(conn, parse_flow(LISTENER))
    clock = Clock(DEADLINE - timedelta(minutes=5))
    replicas = schedulers(db, clock)
    for scheduler in replicas:
        scheduler.tick()
    before = [e for e in listener_runs(db)
              if e.trigger["variables"][MISSED].startswith(DAY.isoformat())]
    assert before == []  # the day's deadline has not passed yet
    clock.now = DEADLINE + timedelta(minutes=5)
    for scheduler in replicas:
        scheduler.tick()
        scheduler.tick()
    [missed] = [e for e in listener_runs(db)
                if e.trigger["variables"][MISSED].startswith(DAY.isoformat())]
    assert missed.state is State.FAILED
    labels = missed.label_map()
    assert (labels["sla"], labels["reason"]) == ("miss", "upstreamNotFinishedOnTime")
    assert "not satisfied by the deadline" in missed.error


def test_a_trigger_that_fired_before_its_deadline_is_not_missed(db):
    with db.begin() as conn:
        save_flow(conn, parse_flow(LISTENER))
        fired_at = DEADLINE - timedelta(hours=2)
        insert_execution(conn, Execution(
            namespace="company.team", flow_id="silver_layer", flow_revision=1,
            history=StateHistory.new(fired_at),
            trigger={"id": "flow_trigger", "type": "io.kestra.plugin.core.trigger.Flow",
                     "variables": {"flowId": "bronze_layer"}}))
    clock = Clock(DEADLINE + timedelta(minutes=5))
    for scheduler in schedulers(db, clock):
        scheduler.tick()
    assert [e for e in listener_runs(db) if MISSED in e.trigger["variables"]] == []


def test_deadlines_before_the_trigger_existed_are_not_misses():
    flow = parse_flow(LISTENER).flow
    [spec] = miss_specs(flow, 1, DEADLINE + timedelta(hours=1))
    assert isinstance(spec, MissSpec)
    assert due_deadline(spec, DEADLINE + timedelta(hours=2)) is None
    assert due_deadline(spec, DEADLINE + timedelta(days=1, hours=2)) == \
        DEADLINE + timedelta(days=1)
    miss = Execution(namespace="company.team", flow_id="silver_layer", flow_revision=1,
                     history=StateHistory.new(DEADLINE),
                     trigger={"id": "flow_trigger", "variables": {MISSED: "x"}})
    assert not fired_in([miss], "flow_trigger", DEADLINE - timedelta(hours=1), DEADLINE)
