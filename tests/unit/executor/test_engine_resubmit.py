"""ResubmitAttempt in the pure core: a lost attempt is closed and the task runs again as
the next attempt; a result or a resubmit for anything but the running attempt is a no-op."""

from __future__ import annotations

from common.messages import ResubmitAttempt
from common.models.state import State
from tests.unit.executor.harness import Harness

FLOW = """id: f
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.debug.Return
    format: a
  - id: b
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def resubmit(h: Harness, dispatch, worker: str = "worker-x"):
    return h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=dispatch.task_run.id,
                                  attempt=dispatch.attempt, worker_id=worker))


def test_lost_attempt_is_closed_and_the_task_dispatched_as_the_next_attempt():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    decision = resubmit(h, first)
    assert decision.ignored is None
    assert len(h.dispatched) == 2
    again = h.dispatched[1]
    assert (again.task_run.id, again.attempt) == (first.task_run.id, 2)
    run = h.by_task("a")[0]
    assert run.state is State.RUNNING
    assert [(a.number, a.state) for a in run.attempts] == [(1, State.KILLED), (2, State.RUNNING)]
    assert any("worker-x stopped sending heartbeats" in text for _, level, text in decision.logs
               if level == "WARNING")


def test_the_lost_attempts_late_result_is_stale_and_the_new_one_counts():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    resubmit(h, first)
    late = h.result(first, "SUCCESS", {"value": "old"})
    assert late.ignored and "stale" in late.ignored
    h.result(h.dispatched[1], "SUCCESS", {"value": "new"})
    assert h.by_task("a")[0].outputs == {"value": "new"}
    assert h.by_task("a")[0].state is State.SUCCESS


def test_resubmit_after_the_result_or_twice_changes_nothing():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    h.result(first, "SUCCESS", {"value": "a"})
    assert resubmit(h, first).ignored  # the attempt ended: nothing to resubmit
    second = h.dispatched[1]
    assert resubmit(h, second).ignored is None
    assert resubmit(h, second).ignored  # a duplicate of the same resubmit
    assert [d.attempt for d in h.dispatched if d.task_run.task_id == "b"] == [1, 2]


def test_resubmit_of_a_killed_execution_is_ignored():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    h.kill()
    assert resubmit(h, first).ignored
    assert h.execution.state is State.KILLED
