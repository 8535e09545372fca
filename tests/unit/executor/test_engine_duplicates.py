"""Every executor message delivered twice (the outbox sweeper, a broker delivering twice):
the copy changes nothing. KillExecution and ResumeExecution copies are in
test_engine_sequential / test_engine_pause, ResubmitAttempt's in test_engine_resubmit."""

from __future__ import annotations

from podium.common.messages import StartExecution, TimerFired
from podium.common.models.state import State
from podium.executor.engine.commands import ScheduleTimer
from tests.unit.executor.harness import Harness
from tests.unit.executor.test_engine_subflow import ended, started

RETRYING = """id: f
namespace: company.team
tasks:
  - id: flaky
    type: io.kestra.plugin.core.execution.Fail
    retry:
      type: constant
      interval: PT1S
      maxAttempt: 3
"""


def test_a_copy_of_start_execution_starts_nothing_more():
    h = Harness(RETRYING)
    h.start()
    copy = h.send(StartExecution(execution_id=h.execution.id))
    assert copy.ignored and "already started" in copy.ignored
    assert len(h.dispatched) == 1


def test_a_copy_of_a_fired_retry_timer_dispatches_one_attempt():
    h = Harness(RETRYING)
    h.start()
    h.result(h.dispatched[0], "FAILED")
    (timer,) = h.timers
    fired = TimerFired(execution_id=h.execution.id, timer_id=timer.timer_id,
                       timer_kind=timer.kind, task_run_id=timer.task_run_id)
    h.now = max(h.now, timer.fire_at)
    assert h.send(fired).ignored is None
    assert h.send(fired).ignored  # the copy (the store's timer row is gone as well)
    assert [d.attempt for d in h.dispatched] == [1, 2]


def test_a_copy_of_subflow_ended_is_ignored():
    h, command = started()
    ended(h, command, "SUCCESS", outputs={"said": "hi"})
    before = h.states()
    assert ended(h, command, "SUCCESS", outputs={"said": "hi"}).ignored
    assert ended(h, command, "FAILED").ignored  # nor may a late copy change the outcome
    assert h.states() == before


def test_a_copy_of_a_scheduled_start_is_one_timer():
    h = Harness(RETRYING)
    later = h.now.replace(year=2030)
    h.execution = h.execution.model_copy(update={"schedule_date": later})
    h.start()
    h.send(StartExecution(execution_id=h.execution.id))
    # The same timer id twice: the store keeps one row (add_timer ignores the second).
    assert {t.timer_id for t in h.timers if isinstance(t, ScheduleTimer)} == \
        {f"start:{h.execution.id}"}
    assert h.execution.state is State.CREATED
