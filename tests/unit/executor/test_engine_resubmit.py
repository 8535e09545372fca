"""ResubmitAttempt in the pure core: a lost attempt is closed and the task runs again as
the next attempt; a result or a resubmit for anything but the running attempt is a no-op."""

from __future__ import annotations

from common.messages import ResubmitAttempt
from common.models.state import State
from tests.unit.executor.harness import Harness
from tests.unit.executor.test_engine_subflow import started

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


def test_a_lost_message_resubmits_with_its_own_reason():
    h = Harness(FLOW)
    h.start()
    first = h.dispatched[0]
    decision = h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=first.task_run.id,
                                      attempt=1, lost=True))
    assert decision.ignored is None
    assert [d.attempt for d in h.dispatched] == [1, 2]
    (warning,) = [text for _, level, text in decision.logs if level == "WARNING"]
    assert "lost with a consumer that died" in warning and "resubmitted as attempt 2" in warning


def test_an_attempt_not_run_by_a_worker_is_never_resubmitted():
    # A Subflow's attempt waits on its child execution: there is no message to have lost.
    h, command = started()
    (call,) = h.by_task("call")
    assert [(a.number, a.state) for a in call.attempts] == [(1, State.RUNNING)]
    decision = h.send(ResubmitAttempt(execution_id=h.execution.id, task_run_id=call.id,
                                      attempt=1, lost=True))
    assert decision.ignored and "does not run on a worker" in decision.ignored
    assert [(a.number, a.state) for a in h.by_task("call")[0].attempts] == [(1, State.RUNNING)]
