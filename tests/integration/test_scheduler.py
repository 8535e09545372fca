"""Real `podium scheduler` processes: two replicas firing one per-second schedule exactly
once per tick, and missed schedules recovered (ALL, LAST) after the schedulers stopped."""

from __future__ import annotations

import signal
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from podium.common.store import delete_flow
from podium.common.store.schema import executions
from tests.integration.conftest import deploy, start_runtime, stop_runtime, wait_for
from tests.integration.scrape import wait_scheduler_rounds

pytestmark = pytest.mark.service

FLOW = """
id: {id}
namespace: it.sched
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "tick {{{{ trigger.date }}}}"
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    {extra}
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _env = start_runtime(deployment, "sched", executors=1, workers=1,
                                  worker_concurrency=4)
    for _ in range(2):
        runtime.fleet.add("scheduler", 0)
    runtime.fleet.wait_ready(60)
    yield runtime
    stop_runtime(deployment, runtime)


# Two schedulers race for every tick of this many seconds (a date fired twice fails).
TICKS = 30
# How long the schedulers stay down before the recovery test restarts one.
DOWN_SECONDS = 12


def dates(runtime, flow_id: str) -> list[datetime]:
    with runtime.db.read() as conn:
        rows = conn.execute(select(executions.c.trigger).where(
            executions.c.namespace == "it.sched", executions.c.flow_id == flow_id)).all()
    return sorted(datetime.fromisoformat(row.trigger["variables"]["date"].replace("Z", "+00:00"))
                  for row in rows)


def fired_at(runtime, flow_id: str, date: datetime) -> datetime:
    """When the execution of the scheduled `date` was created."""
    with runtime.db.read() as conn:
        rows = conn.execute(select(executions.c.trigger, executions.c.created).where(
            executions.c.namespace == "it.sched", executions.c.flow_id == flow_id)).all()
    [created] = [row.created for row in rows if datetime.fromisoformat(
        row.trigger["variables"]["date"].replace("Z", "+00:00")) == date]
    return created


def undeploy(runtime, flow_id: str) -> None:
    with runtime.db.begin() as conn:
        delete_flow(conn, "it.sched", flow_id)


def schedulers(runtime) -> list:
    return [entry for entry in runtime.fleet.processes if entry[0] == "scheduler"]


def stop_schedulers(runtime) -> None:
    for entry in schedulers(runtime):
        entry[1].send_signal(signal.SIGTERM)
    for entry in schedulers(runtime):
        entry[1].wait(20)
        runtime.fleet.processes.remove(entry)


def assert_one_per_second(found: list[datetime]) -> None:
    assert len(found) == len(set(found)), "a scheduled date fired twice"
    holes = [(a, b) for a, b in zip(found, found[1:]) if b - a != timedelta(seconds=1)]
    assert not holes, f"dates missing between {holes[:5]}"


def test_two_schedulers_fire_a_per_second_schedule_once_per_tick(runtime):
    assert len(schedulers(runtime)) == 2
    deploy(runtime, FLOW.format(id="ticks", extra=""))
    wait_for(lambda: len(dates(runtime, "ticks")) >= TICKS, timeout=TICKS + 30,
             what=f"{TICKS} scheduled executions")
    undeploy(runtime, "ticks")
    wait_scheduler_rounds(runtime.fleet)  # a tick fired while the flow was deleted is in
    found = dates(runtime, "ticks")
    assert len(found) >= TICKS
    assert_one_per_second(found)
    # and they ran: every execution ends
    wait_for(lambda: all_ended(runtime, "ticks"), timeout=30, what="the executions to end")


def all_ended(runtime, flow_id: str) -> bool:
    with runtime.db.read() as conn:
        states = conn.execute(select(executions.c.state).where(
            executions.c.flow_id == flow_id)).scalars().all()
    return all(state == "SUCCESS" for state in states)


def test_missed_schedules_are_recovered_all_or_last_after_a_restart(runtime):
    deploy(runtime, FLOW.format(id="recover_all", extra="recoverMissedSchedules: ALL"))
    deploy(runtime, FLOW.format(id="recover_last", extra="recoverMissedSchedules: LAST"))
    wait_for(lambda: len(dates(runtime, "recover_all")) >= 3
             and len(dates(runtime, "recover_last")) >= 3, timeout=30,
             what="both flows to fire")
    stop_schedulers(runtime)
    before_all, before_last = dates(runtime, "recover_all"), dates(runtime, "recover_last")
    time.sleep(DOWN_SECONDS)  # no scheduler: ~DOWN_SECONDS dates of each flow are missed
    restarted = datetime.now().astimezone()
    runtime.fleet.add("scheduler", 0)
    runtime.fleet.wait_ready(60)
    # ALL replays the missed dates (one at a time: a trigger never overlaps its runs)
    wait_for(lambda: len(dates(runtime, "recover_all")) >= len(before_all) + DOWN_SECONDS + 5,
             timeout=60,
             what="the missed dates of recover_all")
    undeploy(runtime, "recover_all")
    undeploy(runtime, "recover_last")
    wait_scheduler_rounds(runtime.fleet)

    all_dates = dates(runtime, "recover_all")
    assert_one_per_second(all_dates)  # every missed date fired, once
    assert all_dates[0] == before_all[0] and all_dates[-1] > restarted

    last_dates = dates(runtime, "recover_last")
    assert len(last_dates) == len(set(last_dates))
    gaps = [(a, b) for a, b in zip(last_dates, last_dates[1:]) if b - a != timedelta(seconds=1)]
    assert len(gaps) == 1, f"LAST must skip the missed dates in one jump: {gaps}"
    jump_from, jump_to = gaps[0]
    assert jump_from == before_last[-1] or jump_from - before_last[-1] <= timedelta(seconds=2)
    # the one missed date recovered is the latest at the restart, then the schedule goes on
    assert jump_to - jump_from >= timedelta(seconds=DOWN_SECONDS - 5)
    # (a loaded machine may take seconds from the restart to the scheduler's first look)
    assert jump_to >= restarted - timedelta(seconds=2)
    assert fired_at(runtime, "recover_last", jump_to) - jump_to <= timedelta(seconds=5)
    assert last_dates[-1] > jump_to


SLOW = """
id: {id}
namespace: it.sched
tasks:
  - id: slow
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT3S
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    allowConcurrent: {allow}
"""


def spans(runtime, flow_id: str) -> list[tuple[datetime, datetime, str]]:
    with runtime.db.read() as conn:
        rows = conn.execute(select(executions.c.created, executions.c.updated,
                                   executions.c.state).where(
            executions.c.flow_id == flow_id).order_by(executions.c.created)).all()
    return [tuple(row) for row in rows]


def overlaps(found: list[tuple[datetime, datetime, str]]) -> int:
    """How many executions started before the one created just before them ended."""
    return sum(1 for a, b in zip(found, found[1:]) if b[0] < a[1])


def test_allow_concurrent_lets_a_schedule_overlap_its_own_running_executions(runtime):
    deploy(runtime, SLOW.format(id="overlap", allow="true"))
    deploy(runtime, SLOW.format(id="no_overlap", allow="false"))
    wait_for(lambda: len(spans(runtime, "overlap")) >= 4
             and len(spans(runtime, "no_overlap")) >= 2, timeout=60,
             what="executions of both flows")
    undeploy(runtime, "overlap")
    undeploy(runtime, "no_overlap")
    ended = ("SUCCESS", "FAILED", "KILLED", "WARNING")
    wait_for(lambda: all(state in ended for flow_id in ("overlap", "no_overlap")
                         for *_, state in spans(runtime, flow_id)), timeout=60,
             what="every execution to end")
    assert overlaps(spans(runtime, "overlap")) >= 2
    # Kestra's default: the next date waits for the running execution to end
    assert overlaps(spans(runtime, "no_overlap")) == 0
